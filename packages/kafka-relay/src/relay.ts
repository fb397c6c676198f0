import { hostname } from 'node:os';
import {
  AcknowledgementFailedError,
  InvalidConfigError,
  PublishTimeoutError,
  type CommitEvents,
} from '@outboxkit/core';
import {
  notifyRelay,
  PartitionLeases,
  RelayLanes,
  RelayNudge,
  RetentionCleaner,
  SqlRelayStore,
  TypedEvents,
  type HalfCheckService,
} from '@outboxkit/core/internal';
import pg from 'pg';
import { describeError, needsNewProducer } from './broker-errors.js';
import { kafkaClient, type KafkaClient } from './kafka-connection.js';
import { explainKafkaError } from './kafka-errors.js';
import { TrackedPartitioner } from './complete-send.js';
import { KafkaPublisher } from './kafka-publisher.js';
import { RelayMetrics } from './metrics/relay-metrics.js';
import { NudgeListener } from './nudge-listener.js';
import { OpsServer, type Probe } from './ops/ops-server.js';
import { explainPgError, pgClientConfig, type PgConnectionSettings } from './pg-connection.js';
import { pgExecutor, pgTransactionRunner } from './pg-transaction-runner.js';
import { ProducerHolder } from './producer-holder.js';
import { createRelayHalfChecks } from './check/relay-half-checks.js';
import { registerHalfCheckMetrics } from './check/half-check-metrics.js';
import type { RelayEvents } from './relay-events.js';
import { resolveRelaySettings, type RelayOptions, type ResolvedRelaySettings } from './relay-settings.js';

export type { RelayEvents } from './relay-events.js';

export interface RelayStats {
  published: number;
  dead: number;
  batches: number;
  failures: number;
}

/**
 * Publishes committed outbox rows to Kafka. Several instances share the work: each leases a
 * share of the virtual partitions (keys hashed), claims READY rows of its partitions in batches,
 * sends each batch in one produce request with acks=all, and acknowledges it in the same
 * database transaction that holds the claim. Within an instance, `pipelines` lanes do this at
 * once over disjoint shares of its partitions, their sends taking turns on the one producer.
 * See docs/relay-ordering.md.
 */
export class Relay {
  readonly settings: ResolvedRelaySettings;
  readonly events: TypedEvents<RelayEvents>;
  /** Bound port of the ops server (when `http` is set and the relay started). */
  httpPort: number | undefined;
  private readonly pool: pg.Pool;
  private readonly producers: ProducerHolder;
  private readonly kafkaClient: KafkaClient;
  private readonly lanes: RelayLanes;
  /** Per lane: the producer generation its last batch started with (see maybeReplaceProducer). */
  private readonly laneProducerGeneration: number[];
  private readonly leases: PartitionLeases;
  private readonly metrics: RelayMetrics;
  private readonly listener: NudgeListener | undefined;
  private readonly cleaner: RetentionCleaner | undefined;
  private readonly ops: OpsServer | undefined;
  /** The half messages' back-check; undefined when `halfMessages: false`. */
  readonly halfChecks: HalfCheckService | undefined;
  private readonly stats_: RelayStats = { published: 0, dead: 0, batches: 0, failures: 0 };
  private cleanupTimer: ReturnType<typeof setInterval> | undefined;
  private cleanupRunning: Promise<unknown> | undefined;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private stopping: Promise<void> | undefined;
  private starting: Promise<void> | undefined;

  constructor(options: RelayOptions) {
    if (!options.databaseUrl) throw new InvalidConfigError('databaseUrl', 'is required (the PostgreSQL connection string)');
    if (!options.kafka && (!options.brokers || options.brokers.length === 0)) {
      throw new InvalidConfigError('brokers', 'is required: at least one Kafka bootstrap broker, e.g. ["127.0.0.1:9092"] (or a kafkajs client as `kafka`)');
    }
    const settings = resolveRelaySettings(options);
    this.settings = settings;
    const { logger, tables } = settings;
    this.events = new TypedEvents<RelayEvents>(logger);
    const applicationName = `outbox-relay ${settings.instanceId}`.slice(0, 63);
    const connection: PgConnectionSettings = {
      connectionString: options.databaseUrl,
      applicationName,
      connectTimeoutMs: settings.connectTimeoutMs,
      queryTimeoutMs: settings.queryTimeoutMs,
    };
    const explain = (error: unknown) => explainPgError(error, connection);
    this.pool = new pg.Pool({
      ...pgClientConfig({
        ...connection,
        // A relay paused inside a batch transaction (GC, SIGSTOP, a VM freeze) loses its row locks
        // within a lease period, so the partition's next owner is not blocked behind it for long.
        sessionSettings: { idle_in_transaction_session_timeout: settings.leaseMs },
      }),
      max: settings.poolSize,
    });
    // A pool error (server restarted under an idle connection) must not crash the process.
    this.pool.on('error', (error) => logger.warn('idle database connection failed', { error }));
    const executor = pgExecutor(this.pool, explain);

    this.kafkaClient = kafkaClient(
      options,
      { clientId: settings.clientId, retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 } },
      logger,
    );
    const { kafka } = this.kafkaClient;
    this.producers = new ProducerHolder(
      () =>
        kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: true,
          // The DefaultPartitioner, sticky and observable: sendBatchCompletely checks every
          // record's partition against Kafka's acknowledgement (kafkajs can drop some, see there).
          createPartitioner: TrackedPartitioner,
        }),
      logger,
    );
    const publisher = new KafkaPublisher(() => this.producers.current, {
      compression: this.kafkaClient.connection.compression,
      maxRecordBytes: settings.maxRecordBytes,
      maxRequestBytes: settings.maxRequestBytes,
      replaceProducer: async (reason) => {
        await this.producers.replace(reason);
        this.events.emit('relay:producer:recreated', { reason });
      },
      onAcknowledged: (messages, brokerAckAt) => {
        if (this.events.has('relay:batch:acked')) this.events.emit('relay:batch:acked', { ids: messages.map((m) => m.id), brokerAckAt });
      },
      // Rare (a partition leader moved mid-request) and worth knowing: kafkajs said sent, it was not.
      onUnsent: (unsent) => logger.warn('Kafka acknowledged a produce request without some of its records; sending them again', { ...unsent }),
    });
    const runner = pgTransactionRunner(this.pool, explain);
    const store = new SqlRelayStore({
      runner,
      outboxTable: tables.outbox,
      retention: settings.retention,
      deadKeyPolicy: settings.deadKeyPolicy,
      lockTimeoutMs: settings.leaseMs,
      safetyMarginMs: settings.leaseSafetyMarginMs,
    });
    this.leases = new PartitionLeases({
      executor,
      leaseTable: tables.lease,
      memberTable: tables.instance,
      member: { instanceId: settings.instanceId, host: hostname(), pid: process.pid },
      partitionCount: settings.partitions,
      leaseMs: settings.leaseMs,
      heartbeatMs: settings.heartbeatMs,
      logger,
      onChange: (change) => {
        this.events.emit('relay:leases:changed', { ...change, liveInstances: this.leases.liveInstances });
        // Newly acquired partitions may hold a backlog: look at once.
        if (change.acquired.length > 0) this.lanes.nudge();
      },
    });
    this.metrics = new RelayMetrics(this.events, executor, tables.outbox);
    this.halfChecks = createRelayHalfChecks(options, logger, connection);
    if (this.halfChecks) registerHalfCheckMetrics(this.metrics.registry, this.halfChecks);

    if (settings.listen) {
      this.listener = new NudgeListener({
        connection,
        channel: settings.channel,
        backoff: settings.backoff,
        logger,
        onNudge: (payload) => {
          if (payload === RelayNudge.leases) this.leases.requestHeartbeat();
          else this.wake(payload);
        },
      });
    }
    if (settings.retention === 'keep' && settings.retentionMs !== null) {
      this.cleaner = new RetentionCleaner({
        runner,
        outboxTable: tables.outbox,
        retentionMs: settings.retentionMs,
        batchSize: settings.cleanupBatchSize,
        logger,
      });
    }
    if (settings.http) {
      this.ops = new OpsServer({
        ...settings.http,
        logger,
        health: () => this.health(),
        ready: () => this.readiness(),
        metrics: () => this.metrics.render(),
      });
    }

    this.laneProducerGeneration = new Array<number>(settings.pipelines).fill(0);
    this.lanes = new RelayLanes({
      lanes: settings.pipelines,
      batchSize: settings.batchSize,
      minIdleMs: settings.minIdleMs,
      maxIdleMs: settings.maxIdleMs,
      backoff: settings.backoff,
      logger,
      onError: (error, consecutiveFailures, lane) => {
        this.stats_.failures += 1;
        this.events.emit('relay:error', { error, consecutiveFailures, lane });
        this.maybeReplaceProducer(error, consecutiveFailures, this.laneProducerGeneration[lane]!);
      },
      step: async (lane) => {
        const lease = await this.leases.beginBatch({ lane, lanes: settings.pipelines });
        if (!lease) return 0;
        try {
          // Recorded first, so a failure to connect also counts against the current producer.
          this.laneProducerGeneration[lane] = this.producers.generation;
          await this.connectProducer();
          const startedAt = performance.now();
          const result = await store.processBatch(settings.batchSize, lease, (batch, publishOptions) =>
            publisher.publish(batch, publishOptions),
          );
          if (result.claimed > 0) {
            this.stats_.batches += 1;
            this.stats_.published += result.published;
            this.stats_.dead += result.dead.length;
            for (const dead of result.dead) {
              logger.error('message parked as DEAD', { messageId: dead.id, reason: dead.error });
              this.events.emit('message:dead', dead);
            }
            this.events.emit('relay:batch:published', {
              claimed: result.claimed,
              published: result.published,
              dead: result.dead.length,
              held: result.held,
              durationMs: performance.now() - startedAt,
            });
          }
          // Kafka answered for these, but the database took neither their outcome nor DEAD: they
          // stay READY, and claiming them again at once would publish them again at once. Back off.
          if (result.unsettled.length > 0) throw new AcknowledgementFailedError(result.unsettled);
          // Rows held behind a dead message stay READY but are no longer claimable: do not spin on them.
          return result.claimed - result.held;
        } finally {
          this.leases.endBatch(lease);
        }
      },
    });
  }

  get stats(): Readonly<RelayStats> {
    return { ...this.stats_ };
  }

  /** The partitions this instance leases now. */
  get leasedPartitions(): number[] {
    return this.leases.heldPartitions;
  }

  /**
   * Connects to PostgreSQL and Kafka, takes a share of the partitions and starts publishing.
   * Resolves once the loop runs (and the ops server listens, when configured).
   */
  start(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'starting';
      this.starting = this.startUp();
    }
    return this.starting ?? Promise.resolve();
  }

  private async startUp(): Promise<void> {
    const { logger } = this.settings;
    // The ops endpoints first: a port that cannot be had fails the start before anything is
    // connected or leased, and /healthz answers while the connections are being made.
    if (this.ops) this.httpPort = await this.ops.start();
    // A refused login or an untrusted certificate fails the start with what to fix.
    await this.connectProducer();
    await this.leases.start();
    await this.listener?.start();
    this.lanes.start();
    this.halfChecks?.start();
    if (this.cleaner) {
      this.cleanupTimer = setInterval(() => this.runCleanup(), this.settings.cleanupIntervalMs);
      this.cleanupTimer.unref?.();
    }
    if (this.state !== 'starting') return;
    this.state = 'running';
    // Tell the other instances a newcomer wants its share.
    await this.notify(RelayNudge.leases);
    logger.info('relay started', {
      instanceId: this.settings.instanceId,
      batchSize: this.settings.batchSize,
      pipelines: this.settings.pipelines,
      partitions: this.settings.partitions,
      leased: this.leases.heldPartitions.length,
      ...(this.httpPort === undefined ? {} : { httpPort: this.httpPort }),
      // Brokers, TLS, SASL mechanism and user, timeouts: never a password, key or token.
      kafka: this.kafkaClient.describe(),
    });
  }

  /** Connects the current producer; kafkajs's login and TLS failures become KafkaAuthenticationError / KafkaTlsError. */
  private async connectProducer(): Promise<void> {
    try {
      await this.producers.ensureConnected();
    } catch (error) {
      throw explainKafkaError(error, this.kafkaClient);
    }
  }

  /** Wakes the loop now (a nudge): something was committed. */
  nudge(): void {
    this.wake('local');
  }

  /**
   * Eager dispatch: when this relay runs inside the application process, wake it straight from
   * the Outbox's commit event (no database round trip). Returns the unsubscribe function.
   */
  wakeOnCommit(events: CommitEvents): () => void {
    return events.on('transaction:committed', () => this.wake('commit'));
  }

  /** Runs the retention cleanup now (it also runs every cleanupIntervalMs). Returns rows deleted. */
  async cleanupNow(): Promise<number> {
    if (!this.cleaner) return 0;
    const deleted = await this.cleaner.run();
    if (deleted > 0) this.events.emit('relay:retention:deleted', { deleted });
    return deleted;
  }

  /**
   * Finishes the batch in flight, gives back every lease (others take over at once), then
   * disconnects. Safe to call twice.
   */
  stop(): Promise<void> {
    if (this.state === 'new' || this.state === 'stopped') return Promise.resolve();
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const { logger } = this.settings;
    // A stop during start waits for the start to settle, so nothing it acquires is left behind.
    await this.starting?.catch(() => undefined);
    this.state = 'stopping';
    if (this.cleanupTimer) clearInterval(this.cleanupTimer);
    await this.cleanupRunning;
    await this.lanes.stop();
    await this.halfChecks?.stop();
    await this.leases.stop().catch((error) => logger.warn('releasing leases failed (they expire on their own)', { error }));
    await this.notify(RelayNudge.leases);
    await this.listener?.stop();
    await this.ops?.stop();
    await this.producers.disconnect().catch((error) => logger.warn('producer disconnect failed', { error }));
    await this.pool.end().catch((error) => logger.warn('pool end failed', { error }));
    this.state = 'stopped';
    logger.info('relay stopped', { instanceId: this.settings.instanceId, ...this.stats_ });
  }

  private wake(payload: string): void {
    this.events.emit('relay:nudged', { payload });
    this.lanes.nudge();
  }

  private async notify(payload: string): Promise<void> {
    try {
      await pgExecutor(this.pool).execute(notifyRelay(this.settings.channel, payload));
    } catch (error) {
      this.settings.logger.debug('relay notify failed', { error });
    }
  }

  private runCleanup(): void {
    if (this.cleanupRunning || this.state !== 'running') return;
    this.cleanupRunning = this.cleanupNow()
      .catch((error) => this.settings.logger.warn('retention cleanup failed', { error }))
      .finally(() => {
        this.cleanupRunning = undefined;
      });
  }

  /**
   * `generation`: the producer generation the failed batch started with. When another lane has
   * replaced that producer meanwhile, this failure belongs to the old one and replaces nothing.
   */
  private maybeReplaceProducer(error: unknown, consecutiveFailures: number, generation: number): void {
    const kafkaFailure = isKafkaError(error) || error instanceof PublishTimeoutError;
    if (!kafkaFailure || this.state !== 'running') return;
    const broken = needsNewProducer(error);
    if (!broken && consecutiveFailures % this.settings.recreateProducerAfterFailures !== 0) return;
    const reason = broken ? describeError(error) : `${consecutiveFailures} consecutive failed batches`;
    // Between batches of this lane: the loop awaits onError's effects only through the backoff
    // that follows, and the next batch calls ensureConnected() on whichever producer is current.
    this.producers.replace(reason, generation).then(
      (replaced) => {
        if (replaced) this.events.emit('relay:producer:recreated', { reason });
      },
      (replaceError: unknown) => this.settings.logger.warn('new Kafka producer could not connect yet', { error: replaceError }),
    );
  }

  private health(): Probe {
    const ok = this.state === 'running' || this.state === 'starting';
    return { ok, state: this.state, instanceId: this.settings.instanceId };
  }

  private readiness(): Probe {
    const lastBeat = this.leases.lastHeartbeatOkAt;
    const leaseFresh = lastBeat !== undefined && performance.now() - lastBeat < this.settings.leaseMs;
    const ok = this.state === 'running' && this.producers.isConnected && leaseFresh;
    return {
      ok,
      state: this.state,
      kafka: this.producers.isConnected,
      database: leaseFresh,
      leasedPartitions: this.leases.heldPartitions.length,
      listening: this.listener?.listening ?? false,
    };
  }
}

function isKafkaError(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 5) return false;
  const { name, cause } = error as { name?: unknown; cause?: unknown };
  if (typeof name === 'string' && name.startsWith('KafkaJS')) return true;
  return cause !== undefined && cause !== error && isKafkaError(cause, depth + 1);
}
