import type { Logger } from '@outboxkit/core';
import type { OffsetsByTopicPartition } from 'kafkajs';

/** kafkajs's group-level commit functions, as every EachBatchPayload carries them. */
export interface GroupCommits {
  /** Resolved offsets not committed yet, per topic-partition. */
  uncommittedOffsets(): OffsetsByTopicPartition;
  /** Sends one OffsetCommit for exactly these offsets (kafkajs `commitOffsetsIfNecessary(offsets)`). */
  commitOffsetsIfNecessary(offsets: OffsetsByTopicPartition): Promise<void>;
}

export interface OffsetCommitterOptions {
  /** Commit resolved offsets at most this often while the consumer is behind; 0 = after every batch. */
  intervalMs: number;
  logger: Logger;
  /** A commit failed (it is retried at the next commit). */
  onError(error: unknown): void;
  now?: () => number;
}

/**
 * Commits the offsets the processor resolved (kafkajs `resolveOffset`; nothing is resolved before
 * it is finished) — not after every transaction, since each OffsetCommit waits ~5 ms on Kafka
 * 4.1's group coordinator, but:
 *
 * - after a fetched batch, when `intervalMs` passed since the last commit;
 * - every `intervalMs` from a timer, so offsets resolved by a batch that did not commit are not
 *   left behind when no further batch comes (idle topics, paused partitions): the group's
 *   committed offsets trail the processed records by at most about `intervalMs`;
 * - at once when a batch failed or the group is rebalancing (as kafkajs's autoCommit does), and
 *   on stop: before the consumer disconnects and after the batch in flight returned.
 *
 * A commit lost anyway (a crash, a failed request) only means Kafka redelivers records whose
 * transactions committed, and the inbox turns them into duplicates. Commits run one at a time.
 */
export class OffsetCommitter {
  private group: GroupCommits | undefined;
  private lastCommitAt: number;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly now: () => number;

  constructor(private readonly options: OffsetCommitterOptions) {
    this.now = options.now ?? Date.now;
    this.lastCommitAt = this.now();
  }

  /** Starts the timer. */
  start(): void {
    if (this.options.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.commit(), this.options.intervalMs);
    this.timer.unref();
  }

  /** A batch starts: the timer can commit what it resolves while it still runs (a long batch). */
  attach(group: GroupCommits): void {
    this.group = group;
  }

  /** After each fetched batch returned: commits if the interval passed, or the consumer is stopping (`stopping`: kafkajs says it is). */
  async afterBatch(group: GroupCommits, stopping: boolean): Promise<void> {
    this.group = group;
    if (stopping || this.stopping || this.now() - this.lastCommitAt >= this.options.intervalMs) await this.commit();
  }

  /** A batch threw (the database, the broker, a rebalance): commit what it resolved before kafkajs fetches again. */
  async afterFailure(group: GroupCommits): Promise<void> {
    this.group = group;
    await this.commit();
  }

  /**
   * The consumer is stopping: commit what is resolved now, while the group is still joined; from
   * now on every batch end commits (the one in flight ends when kafkajs stops it). Stops the timer.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.commit();
  }

  /** Commits every resolved, uncommitted offset; never throws. */
  commit(): Promise<void> {
    this.chain = this.chain.then(() => this.commitNow());
    return this.chain;
  }

  private async commitNow(): Promise<void> {
    const group = this.group;
    if (!group) return;
    try {
      const offsets = group.uncommittedOffsets();
      this.lastCommitAt = this.now();
      if (offsets.topics.length === 0) return;
      await group.commitOffsetsIfNecessary(offsets);
    } catch (error) {
      this.options.logger.warn('offset commit failed; the offsets are committed with the next one', { error });
      this.options.onError(error);
    }
  }
}
