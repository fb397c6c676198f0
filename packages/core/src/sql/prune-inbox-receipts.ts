import type { SqlStatement } from '../ports.js';

export interface PruneInboxReceiptsOptions {
  /** Receipts received longer ago than this are deleted, ms. */
  olderThanMs: number;
  /** Most rows one statement deletes. */
  batchSize: number;
  /** Only this consumer group's receipts. Default: every group's. */
  consumerGroup?: string;
}

/**
 * Deletes one bounded batch of old inbox receipts, oldest first. The age is measured on the
 * database clock, so clock skew between consumers cannot prune too early. Rows another pruner
 * holds are skipped (`SKIP LOCKED`), so several consumers can prune at once without waiting.
 */
export function pruneInboxReceipts(table: string, options: PruneInboxReceiptsOptions): SqlStatement {
  const byGroup = options.consumerGroup !== undefined;
  return {
    text:
      `DELETE FROM ${table} WHERE (consumer_group, message_id) IN (` +
      `SELECT consumer_group, message_id FROM ${table} ` +
      `WHERE received_at < now() - $1::bigint * interval '1 millisecond'` +
      (byGroup ? ' AND consumer_group = $3' : '') +
      ` ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    values: byGroup ? [options.olderThanMs, options.batchSize, options.consumerGroup] : [options.olderThanMs, options.batchSize],
  };
}
