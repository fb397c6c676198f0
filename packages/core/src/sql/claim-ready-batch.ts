import type { SqlStatement } from '../ports.js';

/** A row as the claim statement returns it (column aliases are the property names). */
export interface ClaimedRow {
  id: string;
  seq: string;
  topic: string;
  key: string | null;
  payload_json: string | null;
  payload_bytes: Uint8Array | null;
  type: string | null;
  headers_json: string;
  producer_group: string | null;
  created_at: Date | string;
  attempts: number;
}

/**
 * Locks up to `limit` READY rows in `seq` order for the calling transaction. `SKIP LOCKED` lets
 * another relay move past rows this one holds instead of queueing behind them. The payload is
 * read back as text so the relay forwards it without a parse/stringify round.
 */
export function claimReadyBatch(table: string, limit: number): SqlStatement {
  return {
    text:
      `SELECT id::text AS id, seq::text AS seq, topic, key, payload::text AS payload_json, payload_bytes, type, ` +
      `headers::text AS headers_json, producer_group, created_at, attempts ` +
      `FROM ${table} WHERE status = 'READY' ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
    values: [limit],
  };
}
