import { InvalidHalfDecisionError, InvalidMessageIdError } from '../errors.js';
import { isUuid } from '../message-id.js';
import type { HalfDecision } from '../sql/resolve-half-message.js';

/**
 * The two final decisions, spelled exactly as `LocalTransactionState` spells them. No aliases
 * (`'commit'`, `true`): a decision is irreversible, so anything that is not one of these two
 * strings is refused rather than guessed at — above all, never taken for ROLLBACK.
 */
export function isHalfDecision(value: unknown): value is HalfDecision {
  return value === 'COMMIT' || value === 'ROLLBACK';
}

/** Throws `InvalidHalfDecisionError` unless `value` is COMMIT or ROLLBACK. */
export function assertHalfDecision(value: unknown): asserts value is HalfDecision {
  if (!isHalfDecision(value)) throw new InvalidHalfDecisionError(value);
}

/** Throws `InvalidMessageIdError` naming every id that is not a UUID (before any SQL sees them). */
export function assertMessageIds(ids: readonly unknown[]): asserts ids is readonly string[] {
  const bad = ids.filter((id) => typeof id !== 'string' || !isUuid(id));
  if (bad.length > 0) throw new InvalidMessageIdError(bad);
}
