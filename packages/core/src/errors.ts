/**
 * Every error outboxkit throws on purpose. One base class so callers can `instanceof OutboxError`
 * and switch on `code`; `retriable` says whether doing the same thing again may succeed.
 */
export type OutboxErrorCode =
  | 'OUTBOX_NO_TRANSACTION'
  | 'OUTBOX_TRANSACTION_CLOSED'
  | 'OUTBOX_NOT_CONFIGURED'
  | 'OUTBOX_INVALID_MESSAGE'
  | 'OUTBOX_SERIALIZATION'
  | 'OUTBOX_MESSAGE_TOO_LARGE'
  | 'OUTBOX_INVALID_CONFIG'
  | 'OUTBOX_INVALID_TRANSITION'
  | 'OUTBOX_PUBLISH_FAILED'
  | 'OUTBOX_INBOX_MISSING_ID'
  | 'OUTBOX_DATABASE';

export interface OutboxErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  messageId?: string;
  topic?: string;
}

export class OutboxError extends Error {
  readonly code: OutboxErrorCode;
  readonly retriable: boolean;
  readonly messageId: string | undefined;
  readonly topic: string | undefined;

  constructor(code: OutboxErrorCode, message: string, options: OutboxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OutboxError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.messageId = options.messageId;
    this.topic = options.topic;
  }
}

/** `send` was called where no outbox transaction is active. Nothing was written. */
export class NoActiveTransactionError extends OutboxError {
  constructor(what = 'send a message') {
    super(
      'OUTBOX_NO_TRANSACTION',
      `Cannot ${what} outside an outbox transaction. Call it from a method decorated with ` +
        `@Transactional(), or inside outbox.transaction(async () => { ... }).`,
    );
    this.name = 'NoActiveTransactionError';
  }
}

/** Work that outlived its transaction (an unawaited promise) tried to use it. */
export class TransactionClosedError extends OutboxError {
  constructor(what = 'send a message') {
    super(
      'OUTBOX_TRANSACTION_CLOSED',
      `Cannot ${what}: its transaction has already committed or rolled back. ` +
        `Await every call made inside a transactional method before it returns.`,
    );
    this.name = 'TransactionClosedError';
  }
}

/** A decorator or plain function needed an Outbox and none was registered. */
export class OutboxNotConfiguredError extends OutboxError {
  constructor(detail: string) {
    super('OUTBOX_NOT_CONFIGURED', detail);
    this.name = 'OutboxNotConfiguredError';
  }
}

/** A message failed validation (topic, key, headers, type). Nothing was written. */
export class InvalidMessageError extends OutboxError {
  readonly field: string;
  constructor(field: string, detail: string, options: OutboxErrorOptions = {}) {
    super('OUTBOX_INVALID_MESSAGE', `Invalid outbox message: ${field} ${detail}`, options);
    this.name = 'InvalidMessageError';
    this.field = field;
  }
}

/** The value could not be turned into JSON (BigInt, a cycle, a function...). Nothing was written. */
export class MessageSerializationError extends OutboxError {
  constructor(detail: string, options: OutboxErrorOptions = {}) {
    super(
      'OUTBOX_SERIALIZATION',
      `Cannot serialise the message value: ${detail}. Pass JSON-compatible data ` +
        `(convert BigInt to string, remove cycles) or a Uint8Array of raw bytes.`,
      options,
    );
    this.name = 'MessageSerializationError';
  }
}

/** The encoded message exceeds the configured maximum. Nothing was written. */
export class MessageTooLargeError extends OutboxError {
  readonly sizeBytes: number;
  readonly maxBytes: number;
  constructor(sizeBytes: number, maxBytes: number, options: OutboxErrorOptions = {}) {
    super(
      'OUTBOX_MESSAGE_TOO_LARGE',
      `Message is ${sizeBytes} bytes, above the limit of ${maxBytes} bytes (maxMessageBytes). ` +
        `Send a smaller payload, or raise maxMessageBytes together with the topic's max.message.bytes.`,
      options,
    );
    this.name = 'MessageTooLargeError';
    this.sizeBytes = sizeBytes;
    this.maxBytes = maxBytes;
  }
}

/** A configuration value is wrong; the message says which and what is accepted. */
export class InvalidConfigError extends OutboxError {
  constructor(setting: string, detail: string) {
    super('OUTBOX_INVALID_CONFIG', `Invalid outboxkit setting ${setting}: ${detail}`);
    this.name = 'InvalidConfigError';
  }
}

/** A state change that the state machine of SPEC §3 does not allow. */
export class InvalidTransitionError extends OutboxError {
  constructor(from: string, to: string, options: OutboxErrorOptions = {}) {
    super('OUTBOX_INVALID_TRANSITION', `A message cannot move from ${from} to ${to}.`, options);
    this.name = 'InvalidTransitionError';
  }
}

/** A consumed record carries no message id the inbox can dedupe on. */
export class InboxMissingIdError extends OutboxError {
  constructor(detail: string) {
    super('OUTBOX_INBOX_MISSING_ID', detail);
    this.name = 'InboxMissingIdError';
  }
}

/** Wraps an unknown throw at a catch boundary so callers always get an OutboxError. */
export function toOutboxError(error: unknown, context: string): OutboxError {
  if (error instanceof OutboxError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new OutboxError('OUTBOX_DATABASE', `${context}: ${detail}`, { cause: error, retriable: true });
}
