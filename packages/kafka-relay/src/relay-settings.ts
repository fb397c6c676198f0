import {
  createConsoleLogger,
  exponentialBackoff,
  InvalidConfigError,
  qualifyTables,
  type BackoffPolicy,
  type Logger,
  type QualifiedTables,
  type RetentionMode,
  type TableNamesOptions,
} from '@outboxkit/core';

export interface RelayOptions {
  /** PostgreSQL connection string for the relay's own pool. Either this or `pool`. */
  databaseUrl?: string;
  /** Kafka bootstrap brokers, e.g. ["127.0.0.1:9092"]. Either this or `producer`. */
  brokers?: string[];
  /** Kafka client id. Default `outbox-relay`. */
  clientId?: string;
  /** Table and schema names; must match the Outbox's. */
  tables?: TableNamesOptions;
  /** Rows claimed and published per batch. Default 500. */
  batchSize?: number;
  /** First idle poll after the outbox ran dry, ms. Default 10. */
  minIdleMs?: number;
  /** Slowest idle poll, ms. Default 1,000. */
  maxIdleMs?: number;
  /** `keep` published rows (status PUBLISHED) or `delete` them. Default `keep`. */
  retention?: RetentionMode;
  /** Largest record sent; bigger ones become DEAD. Default 1,048,576 bytes. */
  maxRecordBytes?: number;
  /** Wait after consecutive failures (Kafka or the database down). Default: exponential, 100 ms to 30 s, jittered. */
  backoff?: BackoffPolicy;
  logger?: Logger;
}

export const DEFAULT_RELAY_OPTIONS = Object.freeze({
  clientId: 'outbox-relay',
  batchSize: 500,
  minIdleMs: 10,
  maxIdleMs: 1_000,
  retention: 'keep' as RetentionMode,
  maxRecordBytes: 1_048_576,
});

export interface ResolvedRelaySettings {
  clientId: string;
  tables: QualifiedTables;
  batchSize: number;
  minIdleMs: number;
  maxIdleMs: number;
  retention: RetentionMode;
  maxRecordBytes: number;
  backoff: BackoffPolicy;
  logger: Logger;
}

export function resolveRelaySettings(options: RelayOptions): ResolvedRelaySettings {
  const settings: ResolvedRelaySettings = {
    clientId: options.clientId ?? DEFAULT_RELAY_OPTIONS.clientId,
    tables: qualifyTables(options.tables),
    batchSize: options.batchSize ?? DEFAULT_RELAY_OPTIONS.batchSize,
    minIdleMs: options.minIdleMs ?? DEFAULT_RELAY_OPTIONS.minIdleMs,
    maxIdleMs: options.maxIdleMs ?? DEFAULT_RELAY_OPTIONS.maxIdleMs,
    retention: options.retention ?? DEFAULT_RELAY_OPTIONS.retention,
    maxRecordBytes: options.maxRecordBytes ?? DEFAULT_RELAY_OPTIONS.maxRecordBytes,
    backoff: options.backoff ?? exponentialBackoff(),
    logger: options.logger ?? createConsoleLogger('info', { component: 'outbox-relay' }),
  };
  positiveInteger('batchSize', settings.batchSize);
  positiveInteger('minIdleMs', settings.minIdleMs);
  positiveInteger('maxIdleMs', settings.maxIdleMs);
  positiveInteger('maxRecordBytes', settings.maxRecordBytes);
  if (settings.maxIdleMs < settings.minIdleMs) {
    throw new InvalidConfigError('maxIdleMs', `must be at least minIdleMs (${settings.minIdleMs})`);
  }
  if (settings.retention !== 'keep' && settings.retention !== 'delete') {
    throw new InvalidConfigError('retention', `must be "keep" or "delete", got "${String(settings.retention)}"`);
  }
  return settings;
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidConfigError(name, `must be a positive integer, got ${String(value)}`);
  }
}
