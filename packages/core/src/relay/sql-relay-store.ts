import type { StoredMessage } from '../message.js';
import { claimReadyBatch, type ClaimedRow } from '../sql/claim-ready-batch.js';
import { markDead } from '../sql/mark-dead.js';
import { deletePublished, markPublished } from '../sql/mark-published.js';
import type { PublishOutcome } from './publisher.js';
import type { SqlTransactionRunner } from './sql-transaction-runner.js';

export type RetentionMode = 'keep' | 'delete';

export interface BatchResult {
  claimed: number;
  published: number;
  dead: Array<{ id: string; error: string }>;
}

/**
 * Claims READY rows, hands them to `publish`, and acknowledges the outcome — in ONE database
 * transaction. The row locks are the claim: if the relay dies mid-batch the transaction aborts,
 * the locks vanish and the rows are still READY for the next relay (at-least-once).
 */
export class SqlRelayStore {
  constructor(
    private readonly runner: SqlTransactionRunner,
    private readonly outboxTable: string,
    private readonly retention: RetentionMode = 'keep',
  ) {}

  processBatch(limit: number, publish: (batch: StoredMessage[]) => Promise<PublishOutcome[]>): Promise<BatchResult> {
    return this.runner.transaction(async (executor) => {
      const rows = await executor.query<ClaimedRow>(claimReadyBatch(this.outboxTable, limit));
      if (rows.length === 0) return { claimed: 0, published: 0, dead: [] };
      const outcomes = await publish(rows.map(toStoredMessage));
      const publishedIds: string[] = [];
      const dead: Array<{ id: string; error: string }> = [];
      for (const outcome of outcomes) {
        if (outcome.ok) publishedIds.push(outcome.id);
        else if (outcome.permanent) dead.push({ id: outcome.id, error: outcome.error });
      }
      if (publishedIds.length > 0) {
        const ack = this.retention === 'delete' ? deletePublished : markPublished;
        await executor.execute(ack(this.outboxTable, publishedIds));
      }
      if (dead.length > 0) await executor.execute(markDead(this.outboxTable, dead));
      return { claimed: rows.length, published: publishedIds.length, dead };
    });
  }
}

export function toStoredMessage(row: ClaimedRow): StoredMessage {
  return {
    id: row.id,
    seq: row.seq,
    topic: row.topic,
    key: row.key,
    payloadJson: row.payload_json,
    payloadBytes: row.payload_bytes,
    type: row.type,
    headers: JSON.parse(row.headers_json) as Record<string, string>,
    producerGroup: row.producer_group,
    createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
    attempts: row.attempts,
  };
}
