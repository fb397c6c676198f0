import { createConsoleLogger, InvalidConfigError, type LogLevel } from '@outboxkit/core';
import type { RelayOptions } from '../relay-settings.js';

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
 *   OUTBOX_MIN_IDLE_MS      first idle poll (default 10)
 *   OUTBOX_MAX_IDLE_MS      slowest idle poll (default 1000)
 *   OUTBOX_RETENTION        keep | delete (default keep)
 *   OUTBOX_LOG_LEVEL        debug | info | warn | error | silent (default info)
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
  if (env.OUTBOX_MIN_IDLE_MS) options.minIdleMs = integer('OUTBOX_MIN_IDLE_MS', env.OUTBOX_MIN_IDLE_MS);
  if (env.OUTBOX_MAX_IDLE_MS) options.maxIdleMs = integer('OUTBOX_MAX_IDLE_MS', env.OUTBOX_MAX_IDLE_MS);
  if (env.OUTBOX_RETENTION) options.retention = env.OUTBOX_RETENTION as RelayOptions['retention'];
  return options;
}

function integer(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new InvalidConfigError(name, `must be an integer, got "${raw}"`);
  return value;
}
