import { InvalidConfigError } from './errors.js';
import { createConsoleLogger, type Logger } from './logger.js';
import type { TransactionOptions } from './ports.js';
import { qualifyTables, type QualifiedTables, type TableNamesOptions } from './sql/identifiers.js';
import { checkDefaultTransactionOptions } from './transaction/transaction-options.js';

export interface OutboxOptions {
  /** Table and schema names. Defaults: schema `public`, tables `outbox_message`, `inbox_message`, `outbox_tx_marker`. */
  tables?: TableNamesOptions;
  /**
   * Largest encoded message (key + value + headers) `send` accepts, in bytes. Default 1,000,000,
   * just under Kafka's default `max.message.bytes` (1,048,588) to leave room for the record overhead.
   */
  maxMessageBytes?: number;
  /**
   * Defaults for transactions outboxkit opens (timeoutMs, maxWaitMs, isolationLevel). Default: the
   * adapter's. Propagation is not one of them: it is chosen per call.
   */
  transaction?: Omit<TransactionOptions, 'propagation'>;
  /** Where outboxkit logs. Default: JSON lines on stderr, warnings and errors only. */
  logger?: Logger;
  /**
   * Make this Outbox the one decorators and plain functions use when not told otherwise.
   * Default true: the most recently created Outbox is the default.
   */
  registerAsDefault?: boolean;
}

export const DEFAULT_OUTBOX_OPTIONS = Object.freeze({
  maxMessageBytes: 1_000_000,
  registerAsDefault: true,
});

export interface ResolvedOutboxSettings {
  tables: QualifiedTables;
  maxMessageBytes: number;
  transaction: TransactionOptions;
  logger: Logger;
  registerAsDefault: boolean;
}

export function resolveOutboxSettings(options: OutboxOptions = {}): ResolvedOutboxSettings {
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_OUTBOX_OPTIONS.maxMessageBytes;
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes <= 0) {
    throw new InvalidConfigError('maxMessageBytes', `must be a positive integer, got ${String(maxMessageBytes)}`);
  }
  return {
    tables: qualifyTables(options.tables),
    maxMessageBytes,
    transaction: checkDefaultTransactionOptions(options.transaction),
    logger: options.logger ?? createConsoleLogger('warn', { component: 'outboxkit' }),
    registerAsDefault: options.registerAsDefault ?? DEFAULT_OUTBOX_OPTIONS.registerAsDefault,
  };
}
