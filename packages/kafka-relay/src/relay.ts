import { RelayLoop, SqlRelayStore, TypedEvents, InvalidConfigError } from '@outboxkit/core';
import { Kafka, Partitioners, type Producer } from 'kafkajs';
import pg from 'pg';
import { KafkaPublisher } from './kafka-publisher.js';
import { kafkajsLogCreator } from './kafkajs-logger.js';
import { pgTransactionRunner } from './pg-transaction-runner.js';
import { resolveRelaySettings, type RelayOptions, type ResolvedRelaySettings } from './relay-settings.js';

export interface RelayEvents {
  'relay:batch:published': { claimed: number; published: number; dead: number; durationMs: number };
  'message:dead': { id: string; error: string };
  'relay:error': { error: unknown; consecutiveFailures: number };
}

export interface RelayStats {
  published: number;
  dead: number;
  batches: number;
  failures: number;
}

/**
 * Publishes committed outbox rows to Kafka: claims READY rows in batches, sends each batch in one
 * produce request with acks=all, and marks the batch published in the same database transaction
 * that holds the claim.
 */
export class Relay {
  readonly settings: ResolvedRelaySettings;
  readonly events: TypedEvents<RelayEvents>;
  private readonly pool: pg.Pool;
  private readonly producer: Producer;
  private readonly loop: RelayLoop;
  private readonly stats_: RelayStats = { published: 0, dead: 0, batches: 0, failures: 0 };
  private started = false;

  constructor(options: RelayOptions) {
    if (!options.databaseUrl) throw new InvalidConfigError('databaseUrl', 'is required (the PostgreSQL connection string)');
    if (!options.brokers || options.brokers.length === 0) {
      throw new InvalidConfigError('brokers', 'is required: at least one Kafka bootstrap broker, e.g. ["127.0.0.1:9092"]');
    }
    this.settings = resolveRelaySettings(options);
    this.events = new TypedEvents<RelayEvents>(this.settings.logger);
    this.pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
    // A pool error (server restarted under an idle connection) must not crash the process.
    this.pool.on('error', (error) => this.settings.logger.warn('idle database connection failed', { error }));
    const kafka = new Kafka({
      clientId: this.settings.clientId,
      brokers: options.brokers,
      logCreator: kafkajsLogCreator(this.settings.logger),
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    const store = new SqlRelayStore(pgTransactionRunner(this.pool), this.settings.tables.outbox, this.settings.retention);
    const publisher = new KafkaPublisher(this.producer, { maxRecordBytes: this.settings.maxRecordBytes });
    this.loop = new RelayLoop({
      batchSize: this.settings.batchSize,
      minIdleMs: this.settings.minIdleMs,
      maxIdleMs: this.settings.maxIdleMs,
      backoff: this.settings.backoff,
      logger: this.settings.logger,
      onError: (error, consecutiveFailures) => {
        this.stats_.failures += 1;
        this.events.emit('relay:error', { error, consecutiveFailures });
      },
      step: async () => {
        const startedAt = performance.now();
        const result = await store.processBatch(this.settings.batchSize, (batch) => publisher.publish(batch));
        if (result.claimed > 0) {
          this.stats_.batches += 1;
          this.stats_.published += result.published;
          this.stats_.dead += result.dead.length;
          for (const dead of result.dead) {
            this.settings.logger.error('message parked as DEAD', { messageId: dead.id, reason: dead.error });
            this.events.emit('message:dead', dead);
          }
          this.events.emit('relay:batch:published', {
            claimed: result.claimed,
            published: result.published,
            dead: result.dead.length,
            durationMs: performance.now() - startedAt,
          });
        }
        return result.claimed;
      },
    });
  }

  get stats(): Readonly<RelayStats> {
    return { ...this.stats_ };
  }

  /** Connects to Kafka and starts the loop. Resolves once the loop is running. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.producer.connect();
    this.loop.start();
    this.settings.logger.info('relay started', { batchSize: this.settings.batchSize });
  }

  /** Wakes the loop now, e.g. right after a transaction that sent messages committed. */
  nudge(): void {
    this.loop.nudge();
  }

  /** Finishes the batch in flight, then disconnects. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.loop.stop();
    await this.producer.disconnect().catch((error) => this.settings.logger.warn('producer disconnect failed', { error }));
    await this.pool.end().catch((error) => this.settings.logger.warn('pool end failed', { error }));
    this.settings.logger.info('relay stopped', { ...this.stats_ });
  }
}
