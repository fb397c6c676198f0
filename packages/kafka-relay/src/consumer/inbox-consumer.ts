import { pruneInbox, type ConsumerCrashedError, type Outbox } from '@outboxkit/core';
import { asError, Inbox, TypedEvents } from '@outboxkit/core/internal';
import { Partitioners, type Consumer, type ConsumerRunConfig, type Kafka, type Producer } from 'kafkajs';
import { kafkaClient, type KafkaClient } from '../kafka-connection.js';
import { explainKafkaError } from '../kafka-errors.js';
import { BatchProcessor } from './batch-processor.js';
import { ensureConsumerTopics } from './consumer-topics.js';
import { CrashRestarter } from './crash-restarter.js';
import { FailureRouter } from './failure-router.js';
import { OffsetCommitter } from './offset-committer.js';
import type { InboxConsumerEvents, InboxConsumerStats } from './inbox-consumer-events.js';
import { resolveInboxConsumerSettings, type InboxConsumerOptions, type ResolvedInboxConsumerSettings } from './inbox-consumer-settings.js';
import { Slots } from './slots.js';

/**
 * A kafkajs consumer whose handlers run at most once per message id per group (the inbox), with
 * RocketMQ-style retries through a retry topic and a dead-letter topic.
 *
 * Design, in short:
 * - an offset is resolved only after the record's transaction committed, or after its retry /
 *   dead-letter record was acknowledged by Kafka, and never past a record that has not
 *   (`eachBatchAutoResolve: false`). The OffsetCommitter commits the resolved offsets every
 *   `commitIntervalMs`, when a batch throws (a rebalance included) and when the consumer stops —
 *   not after every transaction: with Kafka 4.1's group coordinator each OffsetCommit takes ~5 ms
 *   (`group.coordinator.append.linger.ms`). A commit lost to a crash only means a redelivery,
 *   which the inbox turns into duplicates.
 * - The group consumes the original topics AND its retry topic, which has one partition per delay
 *   level (as RocketMQ's schedule topic has one queue per level), so each retry partition is in
 *   due-time order. A retry partition whose head is not due is paused until it is, with kafkajs
 *   `pause()`; nothing sleeps inside a handler, so other partitions and topics keep flowing.
 * - Per-partition order is kept for records that succeed; a failed record leaves the partition
 *   for the retry topic and comes back later (RocketMQ's concurrent consumers behave the same).
 * - It never stops consuming silently (docs/guarantees.md §4.9): a crash kafkajs does not restart
 *   from is restarted by the CrashRestarter; when that does not help, the consumer stops, emits
 *   `consumer:fatal` and `run()` rejects, so the process can exit and be restarted.
 */
export class InboxConsumer<TClient = unknown> {
  readonly settings: ResolvedInboxConsumerSettings;
  readonly events: TypedEvents<InboxConsumerEvents>;
  readonly inbox: Inbox<TClient>;
  private readonly kafka: Kafka;
  private readonly kafkaClient: KafkaClient;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly stats_: InboxConsumerStats = { processed: 0, duplicates: 0, retried: 0, deadLettered: 0, failures: 0 };
  private readonly resumeTimers = new Map<string, NodeJS.Timeout>();
  private retryPartitions = 1;
  private retentionTimer: NodeJS.Timeout | undefined;
  private committer: OffsetCommitter | undefined;
  private pruning: Promise<void> | undefined;
  private restarter: CrashRestarter | undefined;
  private state: 'new' | 'running' | 'stopped' = 'new';
  /** Settles when the consumer has stopped: resolved by `stop()`, rejected when it gave up after crashes. */
  private readonly finished: Promise<void>;
  private settleFinished!: { resolve: () => void; reject: (error: ConsumerCrashedError) => void };

  private readonly outbox: Outbox<TClient>;

  constructor(options: InboxConsumerOptions<TClient>) {
    this.settings = resolveInboxConsumerSettings(options);
    this.outbox = options.outbox;
    const { settings } = this;
    this.events = new TypedEvents<InboxConsumerEvents>(settings.logger);
    this.inbox = new Inbox(this.outbox, { consumerGroup: settings.groupId });
    this.kafkaClient = kafkaClient(
      options,
      { clientId: settings.clientId, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 } },
      settings.logger,
    );
    this.kafka = this.kafkaClient.kafka;
    this.consumer = this.kafka.consumer({ ...settings.consumer, groupId: settings.groupId });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.finished = new Promise((resolve, reject) => (this.settleFinished = { resolve, reject }));
  }

  /**
   * Starts the consumer (as `start()`) and resolves when `stop()` stopped it. Rejects with a
   * `ConsumerCrashedError` when the consumer gave up after crashes (its restarts did not help; it
   * has stopped): in a service's main, `await consumer.run()` and let a rejection end the process
   * non-zero, so its supervisor restarts it. Without `run()` and without a `consumer:fatal`
   * listener such a rejection is unhandled, and Node.js exits with code 1 for the same reason.
   */
  async run(): Promise<void> {
    await this.start();
    return this.finished;
  }

  get stats(): Readonly<InboxConsumerStats> {
    return { ...this.stats_ };
  }

  /** Creates the retry and dead-letter topics if needed, joins the group and starts consuming. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    try {
      await this.connectAndRun();
    } catch (error) {
      // Leave nothing half-started behind (a connected producer, a joined group).
      await this.stop();
      // A refused login or an untrusted certificate: KafkaAuthenticationError / KafkaTlsError, saying what to fix.
      throw explainKafkaError(error, this.kafkaClient);
    }
  }

  private async connectAndRun(): Promise<void> {
    const { settings } = this;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const topics = await ensureConsumerTopics(admin, settings, settings.logger);
      this.retryPartitions = topics.retryPartitions;
    } finally {
      await admin.disconnect();
    }
    await this.producer.connect();
    const router = new FailureRouter(this.producer, {
      compression: this.kafkaClient.connection.compression,
      consumerGroup: settings.groupId,
      retryTopic: settings.retryTopic,
      deadLetterTopic: settings.deadLetterTopic,
      retryPartitions: () => this.retryPartitions,
    });
    const processor = new BatchProcessor<TClient>({
      settings,
      inbox: this.inbox,
      router,
      events: this.events,
      stats: this.stats_,
      slots: new Slots(settings.concurrency),
      pauseUntil: (topic, partition, dueAt, pause) => this.pauseUntil(topic, partition, dueAt, pause),
      now: Date.now,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: settings.topics, fromBeginning: settings.fromBeginning });
    // Retry records must never be skipped, whatever the group's reset policy for its own topics.
    await this.consumer.subscribe({ topics: [settings.retryTopic], fromBeginning: true });
    const { COMMIT_OFFSETS } = this.consumer.events;
    this.consumer.on(COMMIT_OFFSETS, ({ payload }) => {
      // Fired by kafkajs after the broker acknowledged the OffsetCommit.
      for (const { topic, partitions } of payload.topics) {
        for (const { partition, offset } of partitions) {
          this.events.emit('consumer:offset-committed', { topic, partition: Number(partition), offset });
        }
      }
    });
    this.restarter = new CrashRestarter({
      consumer: this.consumer,
      groupId: settings.groupId,
      settings: settings.restart,
      logger: settings.logger,
      isRunning: () => this.state === 'running',
      restart: async () => {
        await this.consumer.connect();
        await this.consumer.run(runConfig);
      },
      onCrashed: (event) => this.events.emit('consumer:crashed', event),
      onResumed: (event) => this.events.emit('consumer:resumed', event),
      onGaveUp: (error) => void this.shutdown(error),
    });
    const committer = new OffsetCommitter({
      intervalMs: settings.commitIntervalMs,
      logger: settings.logger,
      onError: (error) => this.events.emit('consumer:error', { error }),
    });
    this.committer = committer;
    const runConfig: ConsumerRunConfig = {
      // The committer commits, resolved offsets only (nothing is resolved before it is finished).
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
      eachBatch: async (payload) => {
        committer.attach(payload);
        try {
          await processor.process(payload);
        } catch (error) {
          this.events.emit('consumer:error', { error });
          await committer.afterFailure(payload);
          // kafkajs reads `name` and `retriable` of what it catches: hand it an Error, whatever was thrown.
          throw asError(error);
        }
        await committer.afterBatch(payload, !payload.isRunning());
      },
    };
    await this.consumer.run(runConfig);
    committer.start();
    if (settings.retention) this.scheduleRetention(0);
    settings.logger.info('inbox consumer started', {
      groupId: settings.groupId,
      topics: settings.topics,
      mode: settings.mode,
      kafka: this.kafkaClient.describe(),
    });
  }

  /** Prunes this group's old inbox receipts now (the consumer also does it on its own schedule). */
  async pruneInbox() {
    const { retention, groupId } = this.settings;
    const result = await pruneInbox(this.outbox, { ...(retention || {}), consumerGroup: groupId });
    if (result.deleted > 0) this.events.emit('inbox:pruned', result);
    return result;
  }

  /** Finishes the batch in flight, leaves the group and disconnects. Safe to call twice. */
  async stop(): Promise<void> {
    await this.shutdown(undefined);
  }

  /** `fatal`: the consumer gave up after crashes; it stops, then says so (event, `run()`). */
  private async shutdown(fatal: ConsumerCrashedError | undefined): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    this.restarter?.stop();
    clearTimeout(this.retentionTimer);
    for (const timer of this.resumeTimers.values()) clearTimeout(timer);
    this.resumeTimers.clear();
    // Commit what is resolved while still in the group; the batch in flight commits as it returns.
    await this.committer?.stop();
    await this.consumer.disconnect().catch((error) => this.settings.logger.warn('consumer disconnect failed', { error }));
    await this.producer.disconnect().catch((error) => this.settings.logger.warn('producer disconnect failed', { error }));
    await this.pruning;
    this.settings.logger.info('inbox consumer stopped', { groupId: this.settings.groupId, ...this.stats_ });
    if (!fatal) return this.settleFinished.resolve();
    // A listener handles the failure as well as an awaited run() does.
    if (this.events.has('consumer:fatal')) this.finished.catch(() => undefined);
    this.events.emit('consumer:fatal', { error: fatal });
    this.settleFinished.reject(fatal);
  }

  private pauseUntil(topic: string, partition: number, dueAt: number, pause: () => () => void): void {
    if (this.state !== 'running') return;
    const key = `${topic}:${partition}`;
    // Pausing twice is harmless; a rebalance may have handed the partition back unpaused, so
    // always pause, and let the newest due time decide when to resume.
    clearTimeout(this.resumeTimers.get(key));
    const resume = pause();
    // A Node.js timer longer than 2^31 - 1 ms fires at once; resuming early only re-pauses until due.
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, dueAt - Date.now()));
    this.events.emit('consumer:paused', { topic, partition, untilMs: dueAt });
    const timer = setTimeout(() => {
      this.resumeTimers.delete(key);
      if (this.state === 'running') resume();
    }, delay);
    timer.unref();
    this.resumeTimers.set(key, timer);
  }

  private scheduleRetention(delayMs: number): void {
    const { retention } = this.settings;
    if (!retention || this.state !== 'running') return;
    this.retentionTimer = setTimeout(() => {
      this.pruning = this.pruneInbox()
        .then(
          () => undefined,
          (error: unknown) => {
            this.settings.logger.warn('inbox pruning failed', { error });
            this.events.emit('consumer:error', { error });
          },
        )
        .finally(() => this.scheduleRetention(retention.intervalMs));
    }, delayMs);
    this.retentionTimer.unref();
  }
}

const MAX_TIMER_MS = 2_147_483_647;

/** Plain-function form: `createInboxConsumer({ outbox, groupId, brokers, handlers })`. */
export function createInboxConsumer<TClient>(options: InboxConsumerOptions<TClient>): InboxConsumer<TClient> {
  return new InboxConsumer(options);
}
