import type { SqlStatement } from '../ports.js';

export interface HalfAgeRow {
  total: number;
  parked: number;
  oldest_age_ms: number;
  /** For each bound of `bucketsMs`, in order: HALF rows at most that old (cumulative, like Prometheus' `le`). */
  le_counts: number[];
}

/** Undecided half messages by age, in one statement (a gauge for dashboards and alerts). */
export function halfAgeSnapshot(table: string, bucketsMs: readonly number[]): SqlStatement {
  return {
    text:
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE parked_at IS NOT NULL)::int AS parked, ` +
      `COALESCE((EXTRACT(EPOCH FROM (now() - min(created_at))) * 1000)::float8, 0) AS oldest_age_ms, ` +
      `ARRAY(SELECT count(h.id)::int FROM unnest($1::float8[]) WITH ORDINALITY AS b(le_ms, ord) ` +
      `LEFT JOIN ${table} AS h ON h.status = 'HALF' AND h.created_at >= now() - b.le_ms * interval '1 millisecond' ` +
      `GROUP BY b.ord ORDER BY b.ord) AS le_counts ` +
      `FROM ${table} WHERE status = 'HALF'`,
    values: [[...bucketsMs]],
  };
}
