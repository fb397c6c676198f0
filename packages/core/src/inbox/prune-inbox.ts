import { NoActiveTransactionError } from '../errors.js';
import type { Outbox } from '../outbox.js';
import { positiveInteger } from '../setting-checks.js';
import { pruneInboxReceipts } from '../sql/prune-inbox-receipts.js';
import { currentScope, runOutsideScope } from '../transaction/ambient-transaction.js';

export interface InboxRetentionOptions {
  /**
   * Receipts older than this are pruned, ms. Default 7 days: Kafka's default `log.retention.hours`
   * (168), so a receipt outlives every record that could still be redelivered from the topic.
   * Keep it longer than the topic's retention and than the time a dead letter may wait for replay.
   */
  windowMs?: number;
  /** Rows deleted per statement (each in its own short transaction). Default 1,000. */
  batchSize?: number;
  /** Most statements per prune run, so one run never holds the database for long. Default 100. */
  maxBatches?: number;
  /** Only this consumer group's receipts. Default: every group's. */
  consumerGroup?: string;
}

export const DEFAULT_INBOX_RETENTION = Object.freeze({
  windowMs: 7 * 24 * 60 * 60 * 1000,
  batchSize: 1_000,
  maxBatches: 100,
});

export interface PruneResult {
  deleted: number;
  batches: number;
  /** True when the run stopped at `maxBatches` with old rows possibly left. */
  truncated: boolean;
}

/**
 * Deletes inbox receipts older than the window in bounded batches, until a batch comes back short
 * or `maxBatches` ran. Each batch is its own transaction, never the caller's.
 */
export async function pruneInbox(outbox: Outbox<any>, options: InboxRetentionOptions = {}): Promise<PruneResult> {
  const windowMs = options.windowMs ?? DEFAULT_INBOX_RETENTION.windowMs;
  const batchSize = options.batchSize ?? DEFAULT_INBOX_RETENTION.batchSize;
  const maxBatches = options.maxBatches ?? DEFAULT_INBOX_RETENTION.maxBatches;
  positiveInteger('retention.windowMs', windowMs, { min: 0 });
  positiveInteger('retention.batchSize', batchSize);
  positiveInteger('retention.maxBatches', maxBatches);
  const statement = pruneInboxReceipts(outbox.settings.tables.inbox, {
    olderThanMs: windowMs,
    batchSize,
    ...(options.consumerGroup === undefined ? {} : { consumerGroup: options.consumerGroup }),
  });
  let deleted = 0;
  for (let batches = 1; batches <= maxBatches; batches += 1) {
    const count = await runOutsideScope(() =>
      outbox.transaction(async () => {
        const scope = currentScope(outbox);
        if (!scope) throw new NoActiveTransactionError('prune the inbox');
        return scope.handle.executor.execute(statement);
      }),
    );
    deleted += count;
    if (count < batchSize) return { deleted, batches, truncated: false };
  }
  return { deleted, batches: maxBatches, truncated: true };
}
