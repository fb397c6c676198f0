import { createConsoleLogger, exponentialBackoff, InvalidConfigError, type LogLevel } from '@outboxkit/core';
import type { RelayOptions } from '../relay-settings.js';
import { halfMessagesFromEnv } from './half-env.js';

/**
 * Reads the sidecar's configuration from the environment. Kept out of the library: the Relay
 * class takes plain options, and only the CLI knows about process.env.
 *
 *   DATABASE_URL            PostgreSQL connection string (required)
 *   KAFKA_BROKERS           comma-separated bootstrap brokers (required)
 *   OUTBOX_CLIENT_ID        Kafka client id (default outbox-relay)
 *   OUTBOX_SCHEMA           database schema (default public)
 *   OUTBOX_TABLE            outbox table (default outbox_message)
 *   OUTBOX_BATCH_SIZE       rows per batch (default 500)
 *   OUTBOX_PIPELINES        batch pipelines run at once over disjoint shares of the partitions (default 2)
 *   OUTBOX_MIN_IDLE_MS      first idle poll (default 10)
 *   OUTBOX_MAX_IDLE_MS      slowest idle poll (default 1000)
 *   OUTBOX_RETENTION        keep | delete (default keep)
 *   OUTBOX_LOG_LEVEL        debug | info | warn | error | silent (default info)
 *   OUTBOX_RETENTION_MS     keep published rows this long, ms; "forever" keeps them (default 7 days)
 *   OUTBOX_CLEANUP_INTERVAL_MS  retention cleanup interval (default 60000)
 *   OUTBOX_MAX_RECORD_BYTES largest record sent; bigger ones become DEAD (default 1048576)
 *   OUTBOX_MAX_REQUEST_BYTES  record bytes per produce request (default 1000000)
 *   OUTBOX_DEAD_KEY_POLICY  hold | pass: later messages of a key with a DEAD one (default hold)
 *   OUTBOX_INSTANCE_ID      this instance's name in the lease table (default host:pid:random)
 *   OUTBOX_PARTITIONS       virtual partitions, the same on every instance (default 32)
 *   OUTBOX_LEASE_MS         partition lease length (default 10000)
 *   OUTBOX_HEARTBEAT_MS     lease renewal interval (default lease / 4)
 *   OUTBOX_CHANNEL          LISTEN/NOTIFY channel for nudges (default outboxkit_relay)
 *   OUTBOX_BACKOFF_INITIAL_MS / OUTBOX_BACKOFF_MAX_MS  retry backoff bounds (default 100 / 30000)
 *   OUTBOX_HTTP_PORT        serve /healthz, /readyz, /metrics on this port (0: any free port; unset: off)
 *   OUTBOX_HTTP_HOST        interface for them (default 127.0.0.1)
 *   OUTBOX_HALF_CHECKS, OUTBOX_CHECKER_URL, OUTBOX_CHECKER_SECRET, OUTBOX_CHECK_*: the half messages'
 *                           back-check, see half-env.ts
 */
export function relayOptionsFromEnv(env: NodeJS.ProcessEnv): RelayOptions {
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new InvalidConfigError('DATABASE_URL', 'is not set: the relay needs the PostgreSQL connection string');
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new InvalidConfigError('KAFKA_BROKERS', 'is not set: give host:port of at least one Kafka broker');
  const level = (env.OUTBOX_LOG_LEVEL ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level)) {
    throw new InvalidConfigError('OUTBOX_LOG_LEVEL', `must be debug, info, warn, error or silent, got "${level}"`);
  }
  const options: RelayOptions = {
    databaseUrl,
    brokers,
    logger: createConsoleLogger(level, { component: 'outbox-relay' }),
    tables: { schema: env.OUTBOX_SCHEMA, outbox: env.OUTBOX_TABLE },
  };
  if (env.OUTBOX_CLIENT_ID) options.clientId = env.OUTBOX_CLIENT_ID;
  if (env.OUTBOX_BATCH_SIZE) options.batchSize = integer('OUTBOX_BATCH_SIZE', env.OUTBOX_BATCH_SIZE);
  if (env.OUTBOX_PIPELINES) options.pipelines = integer('OUTBOX_PIPELINES', env.OUTBOX_PIPELINES);
  if (env.OUTBOX_MIN_IDLE_MS) options.minIdleMs = integer('OUTBOX_MIN_IDLE_MS', env.OUTBOX_MIN_IDLE_MS);
  if (env.OUTBOX_MAX_IDLE_MS) options.maxIdleMs = integer('OUTBOX_MAX_IDLE_MS', env.OUTBOX_MAX_IDLE_MS);
  if (env.OUTBOX_RETENTION) options.retention = env.OUTBOX_RETENTION as RelayOptions['retention'];
  relayOperationsFromEnv(env, options);
  options.halfMessages = halfMessagesFromEnv(env, options.logger);
  return options;
}

function integer(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new InvalidConfigError(name, `must be an integer, got "${raw}"`);
  return value;
}

/** The production settings of issue 4 (leases, dead-key policy, retention, ops endpoints). */
function relayOperationsFromEnv(env: NodeJS.ProcessEnv, options: RelayOptions): void {
  if (env.OUTBOX_RETENTION_MS) {
    options.retentionMs = env.OUTBOX_RETENTION_MS === 'forever' ? null : integer('OUTBOX_RETENTION_MS', env.OUTBOX_RETENTION_MS);
  }
  if (env.OUTBOX_CLEANUP_INTERVAL_MS) options.cleanupIntervalMs = integer('OUTBOX_CLEANUP_INTERVAL_MS', env.OUTBOX_CLEANUP_INTERVAL_MS);
  if (env.OUTBOX_MAX_RECORD_BYTES) options.maxRecordBytes = integer('OUTBOX_MAX_RECORD_BYTES', env.OUTBOX_MAX_RECORD_BYTES);
  if (env.OUTBOX_MAX_REQUEST_BYTES) options.maxRequestBytes = integer('OUTBOX_MAX_REQUEST_BYTES', env.OUTBOX_MAX_REQUEST_BYTES);
  if (env.OUTBOX_DEAD_KEY_POLICY) options.deadKeyPolicy = env.OUTBOX_DEAD_KEY_POLICY as RelayOptions['deadKeyPolicy'];
  if (env.OUTBOX_INSTANCE_ID) options.instanceId = env.OUTBOX_INSTANCE_ID;
  if (env.OUTBOX_PARTITIONS) options.partitions = integer('OUTBOX_PARTITIONS', env.OUTBOX_PARTITIONS);
  if (env.OUTBOX_LEASE_MS) options.leaseMs = integer('OUTBOX_LEASE_MS', env.OUTBOX_LEASE_MS);
  if (env.OUTBOX_HEARTBEAT_MS) options.heartbeatMs = integer('OUTBOX_HEARTBEAT_MS', env.OUTBOX_HEARTBEAT_MS);
  if (env.OUTBOX_CHANNEL) options.channel = env.OUTBOX_CHANNEL;
  if (env.OUTBOX_BACKOFF_INITIAL_MS || env.OUTBOX_BACKOFF_MAX_MS) {
    const initialMs = env.OUTBOX_BACKOFF_INITIAL_MS ? integer('OUTBOX_BACKOFF_INITIAL_MS', env.OUTBOX_BACKOFF_INITIAL_MS) : undefined;
    const maxMs = env.OUTBOX_BACKOFF_MAX_MS ? integer('OUTBOX_BACKOFF_MAX_MS', env.OUTBOX_BACKOFF_MAX_MS) : undefined;
    options.backoff = exponentialBackoff({ initialMs, maxMs });
  }
  if (env.OUTBOX_HTTP_PORT !== undefined && env.OUTBOX_HTTP_PORT !== '') {
    options.http = { port: integer('OUTBOX_HTTP_PORT', env.OUTBOX_HTTP_PORT), host: env.OUTBOX_HTTP_HOST || undefined };
  }
}
