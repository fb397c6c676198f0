import type { ConsumerCrashedError, PruneResult } from '@outboxkit/core';
import type { DeadLetterReason, InboxResult } from '@outboxkit/core/internal';

/** A record whose transaction committed (handled, or found to be a duplicate). */
export interface CommittedRecord {
  messageId: string;
  /** Where it was first consumed. */
  topic: string;
  partition: number;
  offset: string;
  result: InboxResult;
  attempt: number;
}

export interface InboxConsumerEvents {
  /**
   * A transaction committed: its receipts and handler writes are durable. Fired BEFORE the Kafka
   * offset is committed, so a crash right after it is the window the inbox dedupe covers.
   */
  'consumer:committed': { topic: string; partition: number; records: CommittedRecord[] };
  /**
   * Kafka acknowledged the group's offset commit for a partition: `offset` is the next record to
   * read. Offsets are committed every `commitIntervalMs` (and when a batch fails, on a rebalance
   * and on stop), so one such event covers many `consumer:committed` events.
   */
  'consumer:offset-committed': { topic: string; partition: number; offset: string };
  /** A failed record was sent to the retry topic. */
  'consumer:retry': { messageId: string; topic: string; reconsumeTimes: number; delayMs: number; dueAt: number; error: unknown };
  /** A record was sent to the dead-letter topic. */
  'consumer:dead-letter': { messageId: string; topic: string; reason: DeadLetterReason; reconsumeTimes: number; error: unknown };
  /** A retry-topic partition waits for its head record to come due. */
  'consumer:paused': { topic: string; partition: number; untilMs: number };
  /** Old inbox receipts were pruned. */
  'inbox:pruned': PruneResult;
  /**
   * Something outside a handler failed: Kafka or the database during a batch (it is fetched
   * again), pruning, or an offset commit (retried with the next one).
   */
  'consumer:error': { error: unknown };
  /**
   * kafkajs's consumer crashed. `restartedBy: 'kafkajs'`: a retriable error, kafkajs restarts it
   * itself; `'consumer'`: kafkajs gave up on it, the inbox consumer restarts it in `delayMs`
   * (restart number `attempt` of `restart.retries`).
   */
  'consumer:crashed': { error: unknown; restartedBy: 'kafkajs' | 'consumer'; attempt: number; delayMs: number };
  /** After a crash the consumer rejoined its group and consumes again. */
  'consumer:resumed': { restarts: number; downMs: number };
  /**
   * The consumer gave up: its restarts did not help. It has stopped (left the group,
   * disconnected) and `run()` rejects with the same error; exit so a supervisor restarts the process.
   */
  'consumer:fatal': { error: ConsumerCrashedError };
}

export interface InboxConsumerStats {
  processed: number;
  duplicates: number;
  retried: number;
  deadLettered: number;
  /** Handler failures (each one retried or dead-lettered). */
  failures: number;
}
