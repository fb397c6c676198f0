import { createConsoleLogger, type Logger } from './logger.js';
import type { TransactionOptions } from './ports.js';
import { positiveInteger } from './setting-checks.js';
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
   * Longest message key `send` accepts, in UTF-8 bytes. Default 1,024: a key names what the
   * messages are about (an order id, a tenant and an aggregate), and Kafka hashes it on every
   * record; a longer one is almost always a payload sent as the key by mistake.
   */
  maxKeyBytes?: number;
  /**
   * Most bytes of headers `send` accepts: the names and values of the message's headers plus its
   * `type` (sent as a header), in UTF-8. Default 16,384: room for tracing context and W3C baggage
   * (whose own limit is 8,192 bytes) and a few of your own; outboxkit's own headers do not count.
   */
  maxHeaderBytes?: number;
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
  maxKeyBytes: 1_024,
  maxHeaderBytes: 16_384,
  registerAsDefault: true,
});

/** The size limits `send` checks every message against (see OutboxOptions). */
export interface MessageLimits {
  maxMessageBytes: number;
  maxKeyBytes: number;
  maxHeaderBytes: number;
}

export interface ResolvedOutboxSettings extends MessageLimits {
  tables: QualifiedTables;
  transaction: TransactionOptions;
  logger: Logger;
  registerAsDefault: boolean;
}

const BYTES = { unit: 'bytes' };

export function resolveOutboxSettings(options: OutboxOptions = {}): ResolvedOutboxSettings {
  const maxMessageBytes = positiveInteger('maxMessageBytes', options.maxMessageBytes ?? DEFAULT_OUTBOX_OPTIONS.maxMessageBytes, BYTES);
  const maxKeyBytes = positiveInteger('maxKeyBytes', options.maxKeyBytes ?? DEFAULT_OUTBOX_OPTIONS.maxKeyBytes, BYTES);
  const maxHeaderBytes = positiveInteger('maxHeaderBytes', options.maxHeaderBytes ?? DEFAULT_OUTBOX_OPTIONS.maxHeaderBytes, BYTES);
  return {
    tables: qualifyTables(options.tables),
    maxMessageBytes,
    maxKeyBytes,
    maxHeaderBytes,
    transaction: checkDefaultTransactionOptions(options.transaction),
    logger: options.logger ?? createConsoleLogger('warn', { component: 'outboxkit' }),
    registerAsDefault: options.registerAsDefault ?? DEFAULT_OUTBOX_OPTIONS.registerAsDefault,
  };
}

