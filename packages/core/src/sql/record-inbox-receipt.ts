import type { SqlStatement } from '../ports.js';

export interface InboxReceipt {
  consumerGroup: string;
  messageId: string;
  topic?: string | null;
  partition?: number | null;
  offset?: string | null;
}

/**
 * Records that a consumer group received a message. `ON CONFLICT DO NOTHING` rather than catching
 * a unique violation, because PostgreSQL aborts the whole transaction on the violation: an
 * affected-row count of 0 means "already handled", and the transaction stays usable.
 */
export function recordInboxReceipt(table: string, receipt: InboxReceipt): SqlStatement {
  return {
    text:
      `INSERT INTO ${table} (consumer_group, message_id, topic, partition, "offset") ` +
      `VALUES ($1, $2, $3, $4, $5::bigint) ON CONFLICT (consumer_group, message_id) DO NOTHING`,
    values: [
      receipt.consumerGroup,
      receipt.messageId,
      receipt.topic ?? null,
      receipt.partition ?? null,
      receipt.offset ?? null,
    ],
  };
}
