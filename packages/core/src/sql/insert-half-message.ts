import type { PreparedMessage } from '../message.js';
import type { SqlStatement } from '../ports.js';

export interface InsertHalfMessageOptions {
  /**
   * When to check the message first, in ms from now (database clock). `null`: the relay's check
   * immunity applies, counted from `created_at`.
   */
  firstCheckInMs: number | null;
  /** The local transaction runs in this database and writes a marker row (see fence-half-message.ts). */
  markerCheck: boolean;
}

/**
 * Writes ONE half message as `HALF`, in its own short transaction, before the local transaction
 * runs. No per-key lock is taken: a HALF row's `seq` means nothing, it is drawn again (under the
 * key lock) when the row becomes READY, so the message's place in its key's order is its commit.
 */
export function insertHalfMessage(table: string, message: PreparedMessage, options: InsertHalfMessageOptions): SqlStatement {
  return {
    text:
      `INSERT INTO ${table} (id, topic, key, payload, payload_bytes, type, headers, producer_group, transaction_id, ` +
      `status, marker_check, next_check_at) VALUES ($1::uuid, $2, $3, $4::jsonb, decode($5, 'base64'), $6, $7::jsonb, $8, $9, ` +
      `'HALF', $10::boolean, CASE WHEN $11::float8 IS NULL THEN NULL ELSE now() + $11::float8 * interval '1 millisecond' END)`,
    values: [
      message.id,
      message.topic,
      message.key,
      message.payloadJson,
      message.payloadBytes ? Buffer.from(message.payloadBytes).toString('base64') : null,
      message.type,
      JSON.stringify(message.headers),
      message.producerGroup,
      message.transactionId,
      options.markerCheck,
      options.firstCheckInMs,
    ],
  };
}
