import { InvalidConfigError, LeaseLostError, PublishTimeoutError } from '../errors.js';
import type { StoredMessage } from '../message.js';
import { claimReadyBatch, type ClaimedRow } from '../sql/claim-ready-batch.js';
import { withTimeout } from '../with-timeout.js';
import { settleBatch, settleRowByRow, sortOutcomes, type BatchOutcome, type RetentionMode } from './batch-settlement.js';
import { publishBudget } from './lease-math.js';
import type { BatchLease } from './partition-leases.js';
import type { PublishOptions, PublishOutcome } from './publisher.js';
import type { SqlTransactionRunner } from './sql-transaction-runner.js';

export type { RetentionMode } from './batch-settlement.js';

/**
 * What happens to the later messages of a key whose message went DEAD:
 * - `hold` (default): they wait (stay READY, are not claimed) until an operator sends the dead
 *   one back to READY; per-key order is never broken.
 * - `pass`: they are published; the dead one, if retried later, arrives out of order.
 */
export type DeadKeyPolicy = 'hold' | 'pass';

export interface BatchResult {
  claimed: number;
  published: number;
  dead: Array<{ id: string; error: string }>;
  /** Rows left READY: held behind a dead message of their key, or failed transiently. */
  held: number;
  /**
   * Rows Kafka answered for whose outcome the database refused to record, even as DEAD (see
   * batch-settlement.ts). They stay READY; the rest of the batch was recorded. A caller must back
   * off before the next batch (the relay throws AcknowledgementFailedError), or it would publish
   * them again at once.
   */
  unsettled: Array<{ id: string; error: string }>;
}

export interface SqlRelayStoreOptions {
  runner: SqlTransactionRunner;
  /** Qualified, quoted outbox table. */
  outboxTable: string;
  /** Default `keep`. */
  retention?: RetentionMode;
  /** Default `hold`. */
  deadKeyPolicy?: DeadKeyPolicy;
  /** Longest a claim waits for rows a previous owner still locks, ms. Default 5,000. */
  lockTimeoutMs?: number;
  /** Publishing must end this long before the leases run out, ms. Default 1,000. */
  safetyMarginMs?: number;
  /** Monotonic clock, ms. Default performance.now. */
  now?: () => number;
}

export type PublishFunction = (batch: StoredMessage[], options: PublishOptions) => Promise<PublishOutcome[]>;

const EMPTY: BatchResult = Object.freeze({ claimed: 0, published: 0, dead: [], held: 0, unsettled: [] }) as BatchResult;

/** Internal: leaves the transaction (rolling it back) without a failure. */
class NoTimeLeft extends Error {}

/**
 * Claims READY rows of the partitions this instance leases, hands them to `publish`, and
 * acknowledges the outcome — in ONE database transaction. The row locks are the claim: if the
 * relay dies mid-batch the transaction aborts, the locks vanish and the rows are still READY
 * for the next owner of the partition (at-least-once).
 *
 * Fencing: the claim and the acknowledgement carry the lease fence (partitions + tokens), the
 * acknowledgement share-locks the lease rows until commit, and publishing is cut off before the
 * leases run out. An acknowledgement that touches fewer rows than expected means a lease was
 * lost: the transaction is rolled back (the new owner publishes again; never a loss).
 *
 * If the database refuses to record Kafka's answer (an acknowledgement statement fails), the
 * answer is recorded row by row instead (batch-settlement.ts), so the batch is not published
 * again and again; what cannot be recorded at all comes back as `unsettled`.
 */
export class SqlRelayStore {
  private readonly retention: RetentionMode;
  private readonly deadKeyPolicy: DeadKeyPolicy;
  private readonly lockTimeoutMs: number;
  private readonly safetyMarginMs: number;
  private readonly now: () => number;
  /**
   * Transaction-local settings of every batch, applied by the runner with `BEGIN` (one round trip
   * where the runner allows it):
   * - `lock_timeout`: how long the claim waits for rows a previous owner still locks;
   * - `jit = off`: during a backlog the claim's estimated cost crosses PostgreSQL's JIT
   *   thresholds and every claim paid ~15 ms of compilation (bench/README.md, finding 1);
   * - `enable_bitmapscan = off`: without fresh statistics the planner bitmap-scanned every
   *   published row since the last vacuum; the (status, seq) index in seq order is what a claim wants;
   * - `synchronous_commit = off`: the batch's COMMIT returns without waiting for its WAL flush
   *   (PostgreSQL flushes it within `wal_writer_delay`, 200 ms by default, later at worst 3× that).
   *   What a crash of PostgreSQL can lose in that window is only the *acknowledgement* of batches
   *   that Kafka already holds: their rows are READY again after recovery and are published a
   *   second time. That is a duplicate, never a loss nor a reorder of first deliveries (the rows
   *   come back in seq order), which at-least-once delivery and consumers that dedupe on the
   *   message id already absorb (docs/relay-ordering.md, "Failures"). The application's own
   *   transactions, which create the messages, keep the server's setting.
   */
  private readonly batchSettings: Readonly<Record<string, string>>;

  constructor(private readonly options: SqlRelayStoreOptions) {
    this.retention = options.retention ?? 'keep';
    this.deadKeyPolicy = options.deadKeyPolicy ?? 'hold';
    this.lockTimeoutMs = options.lockTimeoutMs ?? 5_000;
    this.safetyMarginMs = options.safetyMarginMs ?? 1_000;
    this.now = options.now ?? (() => performance.now());
    if (!Number.isInteger(this.lockTimeoutMs) || this.lockTimeoutMs <= 0) {
      throw new InvalidConfigError('lockTimeoutMs', `must be a positive integer, got ${String(this.lockTimeoutMs)}`);
    }
    this.batchSettings = Object.freeze({
      lock_timeout: `${this.lockTimeoutMs}ms`,
      jit: 'off',
      enable_bitmapscan: 'off',
      synchronous_commit: 'off',
    });
  }

  async processBatch(limit: number, lease: BatchLease, publish: PublishFunction): Promise<BatchResult> {
    const table = this.options.outboxTable;
    const target = { table, retention: this.retention, fence: lease.fence };
    const hold = this.deadKeyPolicy === 'hold';
    /** Set once Kafka has answered: from then on, a rollback must not throw its answer away. */
    let answered: BatchOutcome | undefined;
    try {
      return await this.options.runner.transaction(
        async (executor) => {
          const rows = await executor.query<ClaimedRow>(claimReadyBatch(table, { limit, fence: lease.fence, holdKeysAfterDead: hold }));
          if (rows.length === 0) return EMPTY;
          const budget = publishBudget(lease.validUntil, this.now(), this.safetyMarginMs);
          if (budget <= 0) throw new NoTimeLeft();
          const abandon = new AbortController();
          // On timeout the abort tells the publisher to send nothing more of the batch.
          const outcomes = await withTimeout(publish(rows.map(toStoredMessage), { holdKeysAfterPoison: hold, signal: abandon.signal }), budget, () => {
            const error = new PublishTimeoutError(budget);
            abandon.abort(error);
            return error;
          });
          const outcome = sortOutcomes(rows.length, outcomes);
          answered = outcome;
          await settleBatch(executor, outcome, target);
          return { claimed: outcome.claimed, published: outcome.publishedIds.length, dead: outcome.dead, held: outcome.held, unsettled: [] };
        },
        { settings: this.batchSettings },
      );
    } catch (error) {
      if (error instanceof NoTimeLeft) return EMPTY;
      // The statements that record Kafka's answer failed (or their commit did): record it row by
      // row, so one row the database refuses cannot make the whole batch repeat.
      if (answered && !(error instanceof LeaseLostError)) {
        const settled = await settleRowByRow(this.options.runner, { settings: this.batchSettings }, answered, target, error);
        return { claimed: answered.claimed, held: answered.held, ...settled };
      }
      throw error;
    }
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
