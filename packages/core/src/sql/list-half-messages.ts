import type { SqlStatement } from '../ports.js';

/** One undecided half message, for operators (`outbox-relay half list`). */
export interface HalfMessageRow {
  id: string;
  topic: string;
  key: string | null;
  producer_group: string | null;
  transaction_id: string | null;
  check_count: number;
  marker_check: boolean;
  parked_at: Date | string | null;
  next_check_at: Date | string | null;
  last_error: string | null;
  created_at: Date | string;
  age_ms: number;
}

export interface ListHalfMessagesOptions {
  /** Only parked rows (checks used up). */
  parkedOnly: boolean;
  limit: number;
}

/**
 * Undecided half messages, oldest first. A parked row is checked by no one until an operator acts,
 * so it shows no next check (also for rows parked before parking cleared `next_check_at`).
 */
export function listHalfMessages(table: string, options: ListHalfMessagesOptions): SqlStatement {
  return {
    text:
      `SELECT id::text AS id, topic, key, producer_group, transaction_id, check_count, marker_check, parked_at, ` +
      `CASE WHEN parked_at IS NULL THEN next_check_at END AS next_check_at, last_error, created_at, (EXTRACT(EPOCH FROM (now() - created_at)) * 1000)::float8 AS age_ms ` +
      `FROM ${table} WHERE status = 'HALF'${options.parkedOnly ? ' AND parked_at IS NOT NULL' : ''} ` +
      `ORDER BY created_at LIMIT $1`,
    values: [options.limit],
  };
}
