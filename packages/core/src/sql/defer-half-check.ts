import type { SqlStatement } from '../ports.js';

export interface DeferHalfCheckOptions {
  /** `check_count` as claimed; the update applies only if nobody counted a check since. */
  seenCheckCount: number;
  /** 1 when this check counts (UNKNOWN, checker error), 0 when it does not (no checker reachable). */
  counted: 0 | 1;
  /** Next check in this many ms (database clock). */
  nextCheckInMs: number;
  /** Park the row now: maxChecks reached. */
  park: boolean;
  /** Written to `last_error`: the last answer, or why the row was parked. */
  note: string;
}

/**
 * Records an undecided check: counts it (or not), schedules the next one, and parks the row when
 * the checks are used up. Parked rows stay `HALF` — never discarded — until an operator resumes,
 * commits or rolls them back; they have no `next_check_at`, since nothing checks them until then.
 * Guarded by the state and the check count seen at the claim, so a check that overran its lease
 * and raced another relay's check is counted once.
 */
export function deferHalfCheck(table: string, id: string, options: DeferHalfCheckOptions): SqlStatement {
  return {
    text:
      `UPDATE ${table} SET check_count = check_count + $3::int, ` +
      `next_check_at = CASE WHEN $5::boolean THEN NULL ELSE now() + $4::float8 * interval '1 millisecond' END, last_error = $6, ` +
      `parked_at = CASE WHEN $5::boolean THEN now() ELSE NULL END ` +
      `WHERE id = $1::uuid AND status = 'HALF' AND parked_at IS NULL AND check_count = $2::int ` +
      `RETURNING check_count`,
    values: [id, options.seenCheckCount, options.counted, options.nextCheckInMs, options.park, options.note],
  };
}
