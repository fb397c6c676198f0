import { InvalidConfigError } from '../errors.js';
import { assertMessageIds } from '../half/half-decision.js';

/**
 * The ids of an operator's action, every one a UUID, checked before any SQL sees them: a typo
 * costs no round trip, and a malformed id never reaches the database as a raw cast error.
 */
export function assertActionIds(ids: readonly string[]): void {
  if (!Array.isArray(ids) || ids.length === 0) throw new InvalidConfigError('ids', 'give at least one message id');
  assertMessageIds(ids);
}

/** A row's timestamp as a Date (pg hands Dates, other drivers ISO text). */
export function rowDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

/** As rowDate, for a nullable column. */
export function nullableRowDate(value: Date | string | null): Date | null {
  return value === null ? null : rowDate(value);
}
