import type { SqlStatement } from '../ports.js';

/** A DEAD message as the operator's list shows it. */
export interface DeadMessageRow {
  id: string;
  seq: string;
  topic: string;
  key: string | null;
  type: string | null;
  attempts: number;
  last_error: string | null;
  size_bytes: number;
  created_at: Date | string;
  parked_at: Date | string | null;
}

export interface ListDeadOptions {
  /** Only this topic. */
  topic?: string;
  /** Most rows returned (oldest first). */
  limit: number;
}

/** Lists DEAD messages in `seq` order with their reason and payload size. */
export function listDeadMessages(table: string, options: ListDeadOptions): SqlStatement {
  return {
    text:
      `SELECT id::text AS id, seq::text AS seq, topic, key, type, attempts, last_error, ` +
      `coalesce(octet_length(payload::text), octet_length(payload_bytes), 0)::int AS size_bytes, created_at, parked_at ` +
      `FROM ${table} WHERE status = 'DEAD' AND ($1::text IS NULL OR topic = $1) ORDER BY seq LIMIT $2`,
    values: [options.topic ?? null, options.limit],
  };
}

/**
 * The operator's DEAD → READY: sends chosen dead messages back to the relay. Guarded by the
 * DEAD state (a row that is not dead is left alone); returns the ids it moved. The reason of the
 * last failure stays in `last_error` for the record.
 */
export function retryDeadMessages(table: string, ids: readonly string[]): SqlStatement {
  return {
    text:
      `UPDATE ${table} SET status = 'READY', parked_at = NULL ` +
      `WHERE id = ANY($1::uuid[]) AND status = 'DEAD' RETURNING id::text AS id`,
    values: [ids],
  };
}

/** DEAD → READY for every dead message (of one topic, if given). */
export function retryAllDeadMessages(table: string, topic?: string): SqlStatement {
  return {
    text:
      `UPDATE ${table} SET status = 'READY', parked_at = NULL ` +
      `WHERE status = 'DEAD' AND ($1::text IS NULL OR topic = $1) RETURNING id::text AS id`,
    values: [topic ?? null],
  };
}
