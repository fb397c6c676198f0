import type { Logger } from '../logger.js';
import { deleteExpiredPublished, tryCleanupLock } from '../sql/delete-expired-published.js';
import type { SqlTransactionRunner } from './sql-transaction-runner.js';

export interface RetentionCleanerOptions {
  runner: SqlTransactionRunner;
  /** Qualified, quoted outbox table. */
  outboxTable: string;
  /** Published rows older than this are deleted, ms. */
  retentionMs: number;
  /** Rows deleted per transaction. */
  batchSize: number;
  /** Most batches per run, so one run stays short. Default 100. */
  maxBatchesPerRun?: number;
  logger: Logger;
}

/**
 * Deletes published rows past their retention in bounded batches, each its own short
 * transaction that first takes a transaction-scoped advisory lock with `pg_try_…`: when another
 * relay instance is cleaning up, this one skips its turn instead of competing for the same rows.
 */
export class RetentionCleaner {
  constructor(private readonly options: RetentionCleanerOptions) {}

  /** One cleanup run; returns how many rows it deleted. */
  async run(): Promise<number> {
    const { runner, outboxTable, retentionMs, batchSize, logger } = this.options;
    const maxBatches = this.options.maxBatchesPerRun ?? 100;
    let total = 0;
    for (let batch = 0; batch < maxBatches; batch += 1) {
      const deleted = await runner.transaction(async (executor) => {
        const [lock] = await executor.query<{ locked: boolean }>(tryCleanupLock(outboxTable));
        if (!lock?.locked) return -1;
        return executor.execute(deleteExpiredPublished(outboxTable, retentionMs, batchSize));
      });
      if (deleted < 0) {
        logger.debug('retention cleanup skipped: another instance is cleaning up');
        break;
      }
      total += deleted;
      if (deleted < batchSize) break;
    }
    if (total > 0) logger.info('retention cleanup deleted published messages', { deleted: total });
    return total;
  }
}
