import type { DueHalfRow } from '../sql/claim-due-half-messages.js';
import type { HalfMessageView } from './checker-types.js';

/** A claimed row as the checker sees it: the value decoded, the ids filled in. */
export function toHalfMessageView(row: DueHalfRow): HalfMessageView {
  return {
    id: row.id,
    topic: row.topic,
    key: row.key,
    value: row.payload_json !== null ? JSON.parse(row.payload_json) : row.payload_bytes,
    type: row.type,
    headers: JSON.parse(row.headers_json) as Record<string, string>,
    producerGroup: row.producer_group ?? '',
    transactionId: row.transaction_id ?? row.id,
    checkCount: Number(row.check_count),
    createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
  };
}
