import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  createConsoleLogger,
  exponentialBackoff,
  InvalidConfigError,
  type BackoffPolicy,
  type Logger,
} from '@outboxkit/core';
import {
  DEFAULT_RELAY_CHANNEL,
  DEFAULT_RELAY_TABLE_NAMES,
  positiveInteger,
  qualifyTables,
  quoteIdentifier,
  type DeadKeyPolicy,
  type QualifiedTables,
  type RetentionMode,
  type TableNamesOptions,
} from '@outboxkit/core/internal';
import type { Kafka } from 'kafkajs';
import type { RelayHalfMessageOptions } from './check/relay-half-checks.js';
import type { KafkaConnectionOptions } from './kafka-connection.js';

export interface RelayHttpOptions {
  /** Port of /healthz, /readyz and /metrics; 0 picks a free one (logged). */
  port: number;
  /** Interface to bind. Default 127.0.0.1 (not reachable from other hosts). */
  host?: string;
}

export interface RelayOptions {
  /** PostgreSQL connection string for the relay's own pool. */
  databaseUrl?: string;
  /**
   * Longest wait for a new database connection (TCP, TLS, authentication), ms: a server that
   * accepts and never answers fails the start (or the batch) with a DatabaseTimeoutError instead
   * of hanging. Default 10,000.
   */
  connectTimeoutMs?: number;
  /**
   * Longest a database statement may run, or go unanswered, ms (the session's statement_timeout
   * and pg's query_timeout). More than leaseMs: a claim may wait that long for the row locks of a
   * partition's previous owner. Default the larger of 30,000 and 2 × leaseMs.
   */
  queryTimeoutMs?: number;
  /** Kafka bootstrap brokers, e.g. ["127.0.0.1:9092"]. Either this or `kafka`. */
  brokers?: string[];
  /** Kafka client id. Default `outbox-relay`. */
  clientId?: string;
  /**
   * How to reach a secured Kafka: TLS, SASL (PLAIN, SCRAM, OAUTHBEARER), timeouts, compression
   * (kafka-connection.ts; docs/kafka-connection.md). Default: plaintext, no authentication.
   */
  kafkaConnection?: KafkaConnectionOptions;
  /**
   * A kafkajs client to publish with, made by the application (then `brokers` and every
   * `kafkaConnection` setting but `compression` stay unset). Either this or `brokers`.
   */
  kafka?: Kafka;
  /** Table and schema names; must match the Outbox's. */
  tables?: TableNamesOptions;
  /**
   * Half messages' back-check (check/relay-half-checks.ts): its timings and where the checkers
   * are. On by default with the defaults of docs/guarantees.md §2; `false` turns it off.
   */
  halfMessages?: false | RelayHalfMessageOptions;
  /** Lease and instance tables (in `tables.schema`). Defaults `outbox_relay_lease`, `outbox_relay_instance`. */
  leaseTables?: { lease?: string; instance?: string };
  /** Rows claimed and published per batch. Default 500. */
  batchSize?: number;
  /**
   * Batch pipelines ("lanes") run at once by this instance, each over its own share of the leased
   * partitions (partition mod pipelines), so one lane's database work overlaps another's Kafka
   * send. Per-key order is unaffected: a key's partition always belongs to the same lane. At most
   * `partitions`. Default 2.
   */
  pipelines?: number;
  /** First idle poll after the outbox ran dry, ms. Default 10. */
  minIdleMs?: number;
  /** Slowest idle poll, ms (the fallback when no nudge arrives). Default 1,000. */
  maxIdleMs?: number;
  /** `keep` published rows (status PUBLISHED, for `retentionMs`) or `delete` them when acknowledged. Default `keep`. */
  retention?: RetentionMode;
  /** How long `keep` keeps published rows, ms; null keeps them forever. Default 7 days. */
  retentionMs?: number | null;
  /** How often one instance runs the retention cleanup, ms. Default 60,000. */
  cleanupIntervalMs?: number;
  /** Rows deleted per cleanup transaction. Default 1,000. */
  cleanupBatchSize?: number;
  /** Largest record sent; bigger ones become DEAD without a round trip. Default 1,048,576 bytes. */
  maxRecordBytes?: number;
  /** A batch goes out in produce requests of at most this many record bytes. Default 1,000,000. */
  maxRequestBytes?: number;
  /** Later messages of a key whose message went DEAD: `hold` (wait for the operator) or `pass`. Default `hold`. */
  deadKeyPolicy?: DeadKeyPolicy;
  /** Wait after consecutive failures (Kafka or the database down). Default: exponential, 100 ms to 30 s, jittered. */
  backoff?: BackoffPolicy;
  /** Replace the Kafka producer after this many consecutive failed batches. Default 3. */
  recreateProducerAfterFailures?: number;
  /** This instance's name in the lease tables. Default `<host>:<pid>:<random>`. */
  instanceId?: string;
  /** Virtual partitions shared out among instances; the same on every instance. Default 32. */
  partitions?: number;
  /** Lease length, ms: a dead instance's partitions move to others within about this long. Default 10,000. */
  leaseMs?: number;
  /** Lease renewal and rebalancing interval, ms. Default leaseMs / 4. */
  heartbeatMs?: number;
  /** Channel to LISTEN on for nudges (writers `pg_notify` it after commit). Default `outboxkit_relay`. */
  channel?: string;
  /** LISTEN for nudges on a dedicated connection. Default true. */
  listen?: boolean;
  /** Serve /healthz, /readyz and /metrics. Default: off (the CLI turns it on with OUTBOX_HTTP_PORT). */
  http?: RelayHttpOptions;
  logger?: Logger;
}

export const DEFAULT_RELAY_OPTIONS = Object.freeze({
  clientId: 'outbox-relay',
  connectTimeoutMs: 10_000,
  /** The default query timeout is the larger of this and 2 × leaseMs. */
  queryTimeoutMs: 30_000,
  batchSize: 500,
  pipelines: 2,
  minIdleMs: 10,
  maxIdleMs: 1_000,
  retention: 'keep' as RetentionMode,
  retentionMs: 7 * 24 * 3600 * 1000,
  cleanupIntervalMs: 60_000,
  cleanupBatchSize: 1_000,
  maxRecordBytes: 1_048_576,
  maxRequestBytes: 1_000_000,
  deadKeyPolicy: 'hold' as DeadKeyPolicy,
  recreateProducerAfterFailures: 3,
  partitions: 32,
  leaseMs: 10_000,
  channel: DEFAULT_RELAY_CHANNEL,
  listen: true,
  leaseTable: DEFAULT_RELAY_TABLE_NAMES.lease,
  instanceTable: DEFAULT_RELAY_TABLE_NAMES.instance,
  httpHost: '127.0.0.1',
});

export interface ResolvedRelaySettings {
  clientId: string;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  tables: QualifiedTables & { lease: string; instance: string };
  batchSize: number;
  pipelines: number;
  /** Connections of the relay's pool: one per lane, plus leases, metrics, nudges and retention cleanup. */
  poolSize: number;
  minIdleMs: number;
  maxIdleMs: number;
  retention: RetentionMode;
  retentionMs: number | null;
  cleanupIntervalMs: number;
  cleanupBatchSize: number;
  maxRecordBytes: number;
  maxRequestBytes: number;
  deadKeyPolicy: DeadKeyPolicy;
  backoff: BackoffPolicy;
  recreateProducerAfterFailures: number;
  instanceId: string;
  partitions: number;
  leaseMs: number;
  heartbeatMs: number;
  /** Publishing stops this long before the leases run out, ms (leaseMs / 10, at least 50). */
  leaseSafetyMarginMs: number;
  channel: string;
  listen: boolean;
  http: Required<RelayHttpOptions> | undefined;
  logger: Logger;
}

/** Pool connections the relay needs besides its lanes: leases, metrics, notify, retention cleanup, one spare. */
const POOL_CONNECTIONS_BESIDE_LANES = 5;

export function resolveRelaySettings(options: RelayOptions): ResolvedRelaySettings {
  const d = DEFAULT_RELAY_OPTIONS;
  const leaseMs = options.leaseMs ?? d.leaseMs;
  const schema = quoteIdentifier(options.tables?.schema ?? 'public', 'tables.schema');
  const settings: ResolvedRelaySettings = {
    clientId: options.clientId ?? d.clientId,
    connectTimeoutMs: options.connectTimeoutMs ?? d.connectTimeoutMs,
    queryTimeoutMs: options.queryTimeoutMs ?? Math.max(d.queryTimeoutMs, 2 * leaseMs),
    tables: {
      ...qualifyTables(options.tables),
      lease: `${schema}.${quoteIdentifier(options.leaseTables?.lease ?? d.leaseTable, 'leaseTables.lease')}`,
      instance: `${schema}.${quoteIdentifier(options.leaseTables?.instance ?? d.instanceTable, 'leaseTables.instance')}`,
    },
    batchSize: options.batchSize ?? d.batchSize,
    pipelines: options.pipelines ?? d.pipelines,
    poolSize: 0,
    minIdleMs: options.minIdleMs ?? d.minIdleMs,
    maxIdleMs: options.maxIdleMs ?? d.maxIdleMs,
    retention: options.retention ?? d.retention,
    retentionMs: options.retentionMs === undefined ? d.retentionMs : options.retentionMs,
    cleanupIntervalMs: options.cleanupIntervalMs ?? d.cleanupIntervalMs,
    cleanupBatchSize: options.cleanupBatchSize ?? d.cleanupBatchSize,
    maxRecordBytes: options.maxRecordBytes ?? d.maxRecordBytes,
    maxRequestBytes: options.maxRequestBytes ?? d.maxRequestBytes,
    deadKeyPolicy: options.deadKeyPolicy ?? d.deadKeyPolicy,
    backoff: options.backoff ?? exponentialBackoff(),
    recreateProducerAfterFailures: options.recreateProducerAfterFailures ?? d.recreateProducerAfterFailures,
    instanceId: options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    partitions: options.partitions ?? d.partitions,
    leaseMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 4)),
    leaseSafetyMarginMs: Math.max(50, Math.floor(leaseMs / 10)),
    channel: options.channel ?? d.channel,
    listen: options.listen ?? d.listen,
    http: options.http ? { port: options.http.port, host: options.http.host ?? d.httpHost } : undefined,
    logger: options.logger ?? createConsoleLogger('info', { component: 'outbox-relay' }),
  };
  for (const name of [
    'connectTimeoutMs',
    'queryTimeoutMs',
    'batchSize',
    'pipelines',
    'minIdleMs',
    'maxIdleMs',
    'maxRecordBytes',
    'maxRequestBytes',
    'cleanupIntervalMs',
    'cleanupBatchSize',
    'recreateProducerAfterFailures',
    'partitions',
    'leaseMs',
    'heartbeatMs',
  ] as const) {
    positiveInteger(name, settings[name]);
  }
  if (settings.pipelines > settings.partitions) {
    throw new InvalidConfigError(
      'pipelines',
      `must be at most partitions (${settings.partitions}): each pipeline works on its own share of the partitions, got ${settings.pipelines}`,
    );
  }
  // One connection per lane (each holds one for its batch's transaction), one for the lease
  // heartbeat, and the rest for metrics scrapes, nudges and the retention cleanup, so that none
  // of them ever waits for a lane's batch to end.
  settings.poolSize = settings.pipelines + POOL_CONNECTIONS_BESIDE_LANES;
  if (settings.maxIdleMs < settings.minIdleMs) {
    throw new InvalidConfigError('maxIdleMs', `must be at least minIdleMs (${settings.minIdleMs})`);
  }
  if (settings.queryTimeoutMs <= settings.leaseMs) {
    throw new InvalidConfigError(
      'queryTimeoutMs',
      `must be more than leaseMs (${settings.leaseMs}): a claim may wait that long for the row locks of a partition's previous owner, got ${settings.queryTimeoutMs}`,
    );
  }
  if (settings.heartbeatMs * 2 > settings.leaseMs) {
    throw new InvalidConfigError('heartbeatMs', `must be at most half of leaseMs (${settings.leaseMs}) so a lease is renewed in time`);
  }
  if (settings.retention !== 'keep' && settings.retention !== 'delete') {
    throw new InvalidConfigError('retention', `must be "keep" or "delete", got "${String(settings.retention)}"`);
  }
  if (settings.retentionMs !== null) positiveInteger('retentionMs', settings.retentionMs);
  if (settings.deadKeyPolicy !== 'hold' && settings.deadKeyPolicy !== 'pass') {
    throw new InvalidConfigError('deadKeyPolicy', `must be "hold" or "pass", got "${String(settings.deadKeyPolicy)}"`);
  }
  if (typeof settings.instanceId !== 'string' || settings.instanceId.length === 0 || settings.instanceId.length > 200) {
    throw new InvalidConfigError('instanceId', 'must be a non-empty string of at most 200 characters');
  }
  if (typeof settings.channel !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(settings.channel)) {
    throw new InvalidConfigError('channel', `"${String(settings.channel)}" is not an accepted channel name (letters, digits, "_")`);
  }
  if (settings.http && (!Number.isInteger(settings.http.port) || settings.http.port < 0 || settings.http.port > 65535)) {
    throw new InvalidConfigError('http.port', `must be an integer from 0 to 65535, got ${String(settings.http.port)}`);
  }
  return settings;
}
