import type { SqlStatement } from '../ports.js';

/**
 * Operator action: checks these half messages again, now, with a fresh budget of checks. Works on
 * parked rows (the usual case) and on any other undecided one ("check it now"). Decided rows are
 * left alone; the ids returned are the rows that were resumed.
 */
export function resumeHalfChecks(table: string, ids: readonly string[]): SqlStatement {
  return {
    text:
      `UPDATE ${table} SET parked_at = NULL, check_count = 0, next_check_at = now() ` +
      `WHERE id = ANY($1::uuid[]) AND status = 'HALF' RETURNING id::text AS id`,
    values: [ids],
  };
}
