import type { SqlStatement } from '../ports.js';
import type { InboxReceipt } from './record-inbox-receipt.js';

/**
 * Records the receipts of a whole consumer batch in one statement and returns the message ids
 * that were new. Ids already received — earlier, or twice within this batch — are left out:
 * `ON CONFLICT DO NOTHING` skips a row that conflicts with a row inserted by the same statement
 * as well. All values are bound as five parallel arrays.
 */
export function recordInboxReceipts(table: string, consumerGroup: string, receipts: readonly Omit<InboxReceipt, 'consumerGroup'>[]): SqlStatement {
  return {
    text:
      `INSERT INTO ${table} (consumer_group, message_id, topic, partition, "offset") ` +
      `SELECT $1, r.message_id, r.topic, r.partition, r."offset" ` +
      `FROM unnest($2::text[], $3::text[], $4::int[], $5::bigint[]) AS r(message_id, topic, partition, "offset") ` +
      `ON CONFLICT (consumer_group, message_id) DO NOTHING RETURNING message_id`,
    values: [
      consumerGroup,
      receipts.map((r) => r.messageId),
      receipts.map((r) => r.topic ?? null),
      receipts.map((r) => r.partition ?? null),
      receipts.map((r) => r.offset ?? null),
    ],
  };
}
