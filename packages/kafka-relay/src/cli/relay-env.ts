import { createConsoleLogger, exponentialBackoff, InvalidConfigError, type LogLevel } from '@outboxkit/core';
import type { PgConnectionSettings } from '../pg-connection.js';
import { DEFAULT_RELAY_OPTIONS, resolveRelaySettings, type RelayOptions } from '../relay-settings.js';
import { halfMessagesFromEnv } from './half-env.js';
import { kafkaConnectionFromEnv } from './kafka-env.js';
import { readRelayEnv, RELAY_ENV_VARIABLES, type RelayEnvValue } from './relay-env-variables.js';

/**
 * Reads the sidecar's configuration from the environment (the variables of
 * relay-env-variables.ts, listed by `outbox-relay --help`). Kept out of the library: the Relay
 * class takes plain options, and only the CLI knows about process.env.
 *
 * Everything is checked here, before anything connects: a value that does not fit, and a
 * combination the relay's settings refuse (OUTBOX_PIPELINES above OUTBOX_PARTITIONS, say),
 * throws InvalidConfigError naming the environment variable and what it accepts.
 */
export function relayOptionsFromEnv(env: NodeJS.ProcessEnv): RelayOptions {
  const values = new Map<string, RelayEnvValue>();
  for (const variable of RELAY_ENV_VARIABLES) {
    const value = readRelayEnv(env, variable);
    if (value !== undefined) values.set(variable.name, value);
  }
  const text = (name: string) => values.get(name) as string | undefined;
  const number = (name: string) => values.get(name) as number | undefined;

  const databaseUrl = text('DATABASE_URL');
  if (!databaseUrl) throw new InvalidConfigError('DATABASE_URL', 'is not set: the relay needs the PostgreSQL connection string, e.g. postgres://user:password@host:5432/database');
  const brokers = values.get('KAFKA_BROKERS') as string[] | undefined;
  if (!brokers) throw new InvalidConfigError('KAFKA_BROKERS', 'is not set: give host:port of at least one Kafka broker, e.g. kafka:9092');
  const level = (text('OUTBOX_LOG_LEVEL') ?? 'info') as LogLevel;

  const options: RelayOptions = {
    databaseUrl,
    brokers,
    logger: createConsoleLogger(level, { component: 'outbox-relay' }),
    tables: { schema: text('OUTBOX_SCHEMA'), outbox: text('OUTBOX_TABLE') },
  };
  const set = <K extends keyof RelayOptions>(key: K, name: string) => {
    if (values.has(name)) options[key] = values.get(name) as RelayOptions[K];
  };
  set('clientId', 'OUTBOX_CLIENT_ID');
  set('batchSize', 'OUTBOX_BATCH_SIZE');
  set('pipelines', 'OUTBOX_PIPELINES');
  set('minIdleMs', 'OUTBOX_MIN_IDLE_MS');
  set('maxIdleMs', 'OUTBOX_MAX_IDLE_MS');
  set('retention', 'OUTBOX_RETENTION');
  set('retentionMs', 'OUTBOX_RETENTION_MS');
  set('cleanupIntervalMs', 'OUTBOX_CLEANUP_INTERVAL_MS');
  set('maxRecordBytes', 'OUTBOX_MAX_RECORD_BYTES');
  set('maxRequestBytes', 'OUTBOX_MAX_REQUEST_BYTES');
  set('deadKeyPolicy', 'OUTBOX_DEAD_KEY_POLICY');
  set('instanceId', 'OUTBOX_INSTANCE_ID');
  set('partitions', 'OUTBOX_PARTITIONS');
  set('leaseMs', 'OUTBOX_LEASE_MS');
  set('heartbeatMs', 'OUTBOX_HEARTBEAT_MS');
  set('channel', 'OUTBOX_CHANNEL');
  set('connectTimeoutMs', 'OUTBOX_DB_CONNECT_TIMEOUT_MS');
  set('queryTimeoutMs', 'OUTBOX_DB_QUERY_TIMEOUT_MS');
  const initialMs = number('OUTBOX_BACKOFF_INITIAL_MS');
  const maxMs = number('OUTBOX_BACKOFF_MAX_MS');
  if (initialMs !== undefined || maxMs !== undefined) {
    if (initialMs !== undefined && maxMs !== undefined && initialMs > maxMs) {
      throw new InvalidConfigError('OUTBOX_BACKOFF_MAX_MS', `must be at least OUTBOX_BACKOFF_INITIAL_MS (${initialMs}), got "${maxMs}"`);
    }
    options.backoff = exponentialBackoff({ initialMs, maxMs });
  }
  const port = number('OUTBOX_HTTP_PORT');
  if (port !== undefined) options.http = { port, host: text('OUTBOX_HTTP_HOST') };
  else if (values.has('OUTBOX_HTTP_HOST')) {
    throw new InvalidConfigError('OUTBOX_HTTP_HOST', 'is set but OUTBOX_HTTP_PORT is not: the endpoints are off without a port; set OUTBOX_HTTP_PORT (0 picks a free one)');
  }
  options.halfMessages = halfMessagesFromEnv(env, options.logger);
  const kafkaConnection = kafkaConnectionFromEnv(env);
  if (kafkaConnection) options.kafkaConnection = kafkaConnection;

  // The relay's own checks, now, reported under the variable's name rather than the option's.
  try {
    resolveRelaySettings(options);
  } catch (error) {
    throw renamedForEnv(error);
  }
  return options;
}

/** An InvalidConfigError of a RelayOptions setting, restated for the environment variable that set it. */
function renamedForEnv(error: unknown): unknown {
  if (!(error instanceof InvalidConfigError)) return error;
  const variable = RELAY_ENV_VARIABLES.find((v) => v.option === error.setting);
  if (!variable) return error;
  // The other setting a combination names, as in "must be at most partitions (8)".
  let detail = error.detail;
  for (const v of RELAY_ENV_VARIABLES) {
    if (v.option && !v.option.includes('.')) detail = detail.replace(new RegExp(`\\b${v.option} \\(`, 'g'), `${v.name} (`);
  }
  return new InvalidConfigError(variable.name, `${detail}. See outbox-relay --help.`);
}

/**
 * The database connection of a one-shot command (`dead`, `half`): DATABASE_URL and the two
 * timeouts, checked like the relay's. `command` names the command in the error for a missing URL.
 */
export function commandDatabaseFromEnv(env: NodeJS.ProcessEnv, command: string): PgConnectionSettings {
  const variable = (name: string) => RELAY_ENV_VARIABLES.find((v) => v.name === name)!;
  const connectionString = readRelayEnv(env, variable('DATABASE_URL')) as string | undefined;
  if (!connectionString) {
    throw new InvalidConfigError('DATABASE_URL', `is not set: the ${command} command needs the PostgreSQL connection string, e.g. postgres://user:password@host:5432/database`);
  }
  return {
    connectionString,
    applicationName: `outbox-relay ${command}`,
    connectTimeoutMs: (readRelayEnv(env, variable('OUTBOX_DB_CONNECT_TIMEOUT_MS')) as number | undefined) ?? DEFAULT_RELAY_OPTIONS.connectTimeoutMs,
    queryTimeoutMs: (readRelayEnv(env, variable('OUTBOX_DB_QUERY_TIMEOUT_MS')) as number | undefined) ?? DEFAULT_RELAY_OPTIONS.queryTimeoutMs,
  };
}
