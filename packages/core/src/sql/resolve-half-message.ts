import { InvalidHalfDecisionError } from '../errors.js';
import type { SqlStatement } from '../ports.js';
import { KEY_LOCK_NAMESPACE } from './insert-messages.js';

/** The final decisions for a half message. */
export type HalfDecision = 'COMMIT' | 'ROLLBACK';

/**
 * Applies a final decision to a half message by compare-and-set: ONE statement, guarded by
 * `status = 'HALF'`, so of two deciders (producer, checker, operator) exactly one moves the row;
 * the other gets no row back and reads the status to tell "same decision" from "conflict".
 *
 * COMMIT takes the per-key advisory lock of insert-messages.ts and draws a NEW `seq` while holding
 * it, in the same statement (and so the same transaction): the message takes its place in its
 * key's order at the moment it commits, exactly as a same-transaction message would. The sequence
 * is found from the table (`pg_get_serial_sequence`, given the qualified table name as a bind
 * parameter), so custom table names need no configuration.
 *
 * `note` is written to `last_error` when given (why it was rolled back, who decided); null keeps
 * what is there.
 *
 * A decided row is no longer waiting for anything, so the decision clears the back-check's marks:
 * `next_check_at` and `parked_at` (a parked row an operator commits is not "parked" any more).
 * `check_count` is kept: after a decision it records how many counted checks the message used
 * before it was decided (0 when the producer decided it). Only COMMIT and ROLLBACK are
 * decisions; anything else throws instead of falling through to one of them.
 */
export function resolveHalfMessage(table: string, id: string, decision: HalfDecision, note: string | null): SqlStatement {
  if (decision === 'COMMIT') {
    return {
      text:
        `WITH target AS MATERIALIZED (SELECT id, key FROM ${table} WHERE id = $1::uuid AND status = 'HALF'), ` +
        `key_lock AS MATERIALIZED (SELECT count(pg_advisory_xact_lock(${KEY_LOCK_NAMESPACE}, hashtext(key))) AS n ` +
        `FROM target WHERE key IS NOT NULL) ` +
        `UPDATE ${table} AS o SET status = 'READY', seq = nextval(pg_get_serial_sequence($2::text, 'seq')::regclass), ` +
        `next_check_at = NULL, parked_at = NULL, last_error = COALESCE($3, o.last_error) ` +
        `FROM target CROSS JOIN key_lock WHERE o.id = target.id AND o.status = 'HALF' RETURNING o.id::text AS id`,
      values: [id, table, note],
    };
  }
  if (decision === 'ROLLBACK') {
    return {
      text:
        `UPDATE ${table} SET status = 'ROLLED_BACK', next_check_at = NULL, parked_at = NULL, last_error = COALESCE($2, last_error) ` +
        `WHERE id = $1::uuid AND status = 'HALF' RETURNING id::text AS id`,
      values: [id, note],
    };
  }
  throw new InvalidHalfDecisionError(decision);
}

/** The status of one message (after a compare-and-set found nothing to change). */
export function halfMessageStatus(table: string, id: string): SqlStatement {
  return {
    text: `SELECT status, parked_at IS NOT NULL AS parked FROM ${table} WHERE id = $1::uuid`,
    values: [id],
  };
}

/** Records why a half message is still undecided (the local step threw), leaving it HALF. */
export function noteHalfMessage(table: string, id: string, note: string): SqlStatement {
  return {
    text: `UPDATE ${table} SET last_error = $2 WHERE id = $1::uuid AND status = 'HALF'`,
    values: [id, note],
  };
}
