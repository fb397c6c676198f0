import { InvalidConfigError, silentLogger, type Logger } from '@outboxkit/core';
import {
  DEFAULT_RELAY_CHANNEL,
  positiveInteger,
  sqlOutboxAdmin,
  type SqlOutboxAdmin,
  type TableNamesOptions,
} from '@outboxkit/core/internal';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { replayDeadLetters, type ReplayDeadLettersOptions, type ReplayResult } from '../consumer/dead-letter-replay.js';
import type { KafkaConnectionOptions } from '../kafka-connection.js';
import { explainPgError, pgClientConfig, type PgConnectionSettings } from '../pg-connection.js';
import { pgExecutor } from '../pg-transaction-runner.js';
import { DEFAULT_RELAY_OPTIONS } from '../relay-settings.js';

export interface OutboxAdminOptions {
  /** PostgreSQL connection string of the outbox's database. Required. */
  databaseUrl: string;
  /** The outbox's schema and table names, as the relay's `tables`. Default `public.outbox_message`. */
  tables?: TableNamesOptions;
  /** The channel the relays LISTEN on, nudged when an action made messages READY. Default `outboxkit_relay`. */
  channel?: string;
  /** Longest wait for a new database connection, ms. Default 10,000. */
  connectTimeoutMs?: number;
  /** Longest a database statement may run, or go unanswered, ms. Default 30,000. */
  queryTimeoutMs?: number;
  /** Kafka bootstrap brokers: only `replayDeadLetters` needs Kafka. Either this or `kafka`. */
  brokers?: string[];
  /** A kafkajs client for `replayDeadLetters`, made by the application. Either this or `brokers`. */
  kafka?: Kafka;
  /** TLS, SASL, timeouts and compression of the replay's client (docs/kafka-connection.md). */
  kafkaConnection?: KafkaConnectionOptions;
  /** Default: silent. */
  logger?: Logger;
}

/** What to replay: the dead-letter topic (or group) and the selection; Kafka comes from the admin's options. */
export type OutboxAdminReplayOptions = Omit<ReplayDeadLettersOptions, 'kafka' | 'brokers' | 'kafkaConnection' | 'logger'>;

/** An operator's one handle on the outbox: DEAD and half messages, the counts, dead-letter replay. */
export interface OutboxAdmin extends SqlOutboxAdmin {
  /** Puts dead letters of the inbox consumer back on their original topics (needs `brokers` or `kafka`). */
  replayDeadLetters(options: OutboxAdminReplayOptions): Promise<ReplayResult>;
  /** Ends the admin's database pool; calling it again does nothing. */
  close(): Promise<void>;
}

/**
 * One object for what an operator does (graphile-worker's makeWorkerUtils is the model): the
 * same compare-and-set actions `outbox-relay dead` and `outbox-relay half` run, on a small pg
 * pool that connects at the first call, and the dead-letter replay of `outbox-relay replay`.
 * Close it when done.
 */
export function createOutboxAdmin(options: OutboxAdminOptions): OutboxAdmin {
  return openOutboxAdmin(options, 'outboxkit-admin');
}

/** createOutboxAdmin, naming its connections `applicationName` (the CLI's commands name themselves). */
export function openOutboxAdmin(options: OutboxAdminOptions, applicationName: string): OutboxAdmin {
  if (!options.databaseUrl || typeof options.databaseUrl !== 'string') {
    throw new InvalidConfigError('databaseUrl', 'is required: the PostgreSQL connection string, e.g. postgres://user:password@host:5432/database');
  }
  const channel = options.channel ?? DEFAULT_RELAY_CHANNEL;
  if (typeof channel !== 'string' || channel === '') throw new InvalidConfigError('channel', 'must be the name of the channel the relays listen on');
  const connection: PgConnectionSettings = {
    connectionString: options.databaseUrl,
    applicationName,
    connectTimeoutMs: positiveInteger('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_RELAY_OPTIONS.connectTimeoutMs),
    queryTimeoutMs: positiveInteger('queryTimeoutMs', options.queryTimeoutMs ?? DEFAULT_RELAY_OPTIONS.queryTimeoutMs),
  };
  // A pool makes no connection until the first statement: invalid ids and limits are refused
  // before anything is dialled, and an admin made and never used costs nothing.
  const pool = new pg.Pool({ ...pgClientConfig(connection), max: 2 });
  // An idle connection the server ends (a restart) must not crash the application.
  pool.on('error', () => undefined);
  const database = sqlOutboxAdmin(
    pgExecutor(pool, (error) => explainPgError(error, connection)),
    { tables: options.tables, channel },
  );
  let closing: Promise<void> | undefined;
  return {
    dead: database.dead,
    half: database.half,
    stats: () => database.stats(),
    async replayDeadLetters(replay) {
      if (!options.kafka && (!options.brokers || options.brokers.length === 0)) {
        throw new InvalidConfigError('brokers', 'replayDeadLetters needs Kafka: pass brokers (or a kafkajs client as kafka) to createOutboxAdmin');
      }
      return replayDeadLetters({
        ...replay,
        ...(options.kafka ? { kafka: options.kafka } : { brokers: options.brokers }),
        ...(options.kafkaConnection ? { kafkaConnection: options.kafkaConnection } : {}),
        logger: options.logger ?? silentLogger,
      });
    },
    close: () => (closing ??= pool.end()),
  };
}
