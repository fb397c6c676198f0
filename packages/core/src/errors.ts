import { thrownFacts } from './describe-error.js';

/**
 * Every error outboxkit throws on purpose. One base class so callers can `instanceof OutboxError`
 * and switch on `code`; `retriable` says whether doing the same thing again may succeed.
 */
export type OutboxErrorCode =
  | 'OUTBOX_NO_TRANSACTION'
  | 'OUTBOX_TRANSACTION_CLOSED'
  | 'OUTBOX_TRANSACTION_CLOSING'
  | 'OUTBOX_ROLLBACK_ONLY'
  | 'OUTBOX_NESTED_TRANSACTION'
  | 'OUTBOX_INVALID_TRANSACTION_OPTIONS'
  | 'OUTBOX_DECORATOR_MISUSE'
  | 'OUTBOX_NOT_CONFIGURED'
  | 'OUTBOX_INVALID_MESSAGE'
  | 'OUTBOX_SERIALIZATION'
  | 'OUTBOX_MESSAGE_TOO_LARGE'
  | 'OUTBOX_INVALID_CONFIG'
  | 'OUTBOX_INVALID_TRANSITION'
  | 'OUTBOX_PUBLISH_FAILED'
  | 'OUTBOX_ACK_FAILED'
  | 'OUTBOX_INBOX_MISSING_ID'
  | 'OUTBOX_NON_RETRYABLE'
  | 'OUTBOX_MESSAGE_DECODE'
  | 'OUTBOX_CONSUMER_CRASHED'
  | 'OUTBOX_LEASE_LOST'
  | 'OUTBOX_HALF_IN_TRANSACTION'
  | 'OUTBOX_HALF_ALREADY_RESOLVED'
  | 'OUTBOX_HALF_NOT_FOUND'
  | 'OUTBOX_INVALID_HALF_DECISION'
  | 'OUTBOX_INVALID_MESSAGE_ID'
  | 'OUTBOX_LOCAL_TRANSACTION_ROLLBACK'
  | 'OUTBOX_LOCAL_TRANSACTION_FENCED'
  | 'OUTBOX_CHECKER_UNAVAILABLE'
  | 'OUTBOX_CHECKER_FAILED'
  | 'OUTBOX_CHECKER_DUPLICATE'
  | 'OUTBOX_DATABASE_TIMEOUT'
  | 'OUTBOX_DATABASE'
  | 'OUTBOX_KAFKA_AUTHENTICATION'
  | 'OUTBOX_KAFKA_TLS';

export interface OutboxErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  messageId?: string;
  topic?: string;
}

/** Registered (Symbol.for), so the ESM and the CommonJS copy of this module hold the same symbol. */
const OUTBOX_ERROR_CLASS = Symbol.for('outboxkit.error-class.v1');

export class OutboxError extends Error {
  /** Marks outboxkit's error classes (and their subclasses) in every copy of this package. */
  static readonly [OUTBOX_ERROR_CLASS] = true;

  /**
   * `instanceof` that also holds across copies of @outboxkit/core: an application can load its
   * ESM and its CommonJS build side by side (docs/adopting.md, "CommonJS, ESM and Jest"), and a
   * `LocalTransactionRollback` thrown through one copy must still roll back in the other. A value
   * from another copy matches when a class of outboxkit's along its prototype chain has this
   * class's name.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null) return false;
    for (let proto = Object.getPrototypeOf(value) as object | null; proto; proto = Object.getPrototypeOf(proto) as object | null) {
      const owner = Object.prototype.hasOwnProperty.call(proto, 'constructor') ? (proto as { constructor: unknown }).constructor : undefined;
      if (typeof owner === 'function' && (owner as { [OUTBOX_ERROR_CLASS]?: unknown })[OUTBOX_ERROR_CLASS] === true && owner.name === this.name) {
        return true;
      }
    }
    return false;
  }

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

/**
 * Work that outlived its transaction's method (an unawaited promise) tried to use the transaction
 * after its flush had begun: the messages are being written and the commit is under way, so
 * nothing can join it any more (docs/guarantees.md §4.7).
 */
export class TransactionClosingError extends OutboxError {
  constructor(what = 'send a message') {
    super(
      'OUTBOX_TRANSACTION_CLOSING',
      `Cannot ${what}: its transaction is already committing (the transactional work has returned and ` +
        `its messages are being written), so this would not be part of it. ` +
        `Await every call made inside a transactional method before it returns.`,
    );
    this.name = 'TransactionClosingError';
  }
}

/**
 * A call that joined the transaction (propagation 'required') failed, the failure was caught, and
 * the transaction then tried to commit. Committing would keep half of the work, so everything was
 * rolled back instead (docs/guarantees.md §4.8; Spring's UnexpectedRollbackException).
 */
export class RollbackOnlyError extends OutboxError {
  constructor(failure: unknown) {
    super(
      'OUTBOX_ROLLBACK_ONLY',
      `The transaction was rolled back and nothing was written: a call that joined it failed ` +
        `(${describeThrown(failure)}) and the failure was caught, so committing would have kept only part of ` +
        `its work. Let the error propagate, or give the inner call its own boundary: ` +
        `propagation: 'nested' (a savepoint: only its writes and messages are undone) or ` +
        `propagation: 'requiresNew' (its own transaction).`,
      { cause: failure },
    );
    this.name = 'RollbackOnlyError';
  }
}

/** Why a nested (savepoint) transaction could not run as asked. */
export type NestedTransactionProblem = 'unsupported' | 'concurrent' | 'unfinished';

/** Propagation 'nested' was misused, or the adapter cannot make savepoints (docs/guarantees.md §4.8). */
export class NestedTransactionError extends OutboxError {
  readonly problem: NestedTransactionProblem;
  constructor(problem: NestedTransactionProblem, what = 'use the transaction') {
    const detail = {
      unsupported:
        `Cannot start a nested transaction: propagation 'nested' needs savepoints and this Outbox's ` +
        `database adapter offers none. Use propagation 'required' or 'requiresNew', or an adapter with ` +
        `savepoints (the Prisma adapter has them).`,
      concurrent:
        `Cannot ${what}: a nested transaction (propagation 'nested') of this transaction is running ` +
        `alongside this call, or the nested transaction this call was made in has already ended, and a ` +
        `rollback to its savepoint would undo this call too. Await each nested call before doing more ` +
        `work in the transaction around it (no Promise.all over nested calls).`,
      unfinished:
        `A nested transaction (propagation 'nested') was still running when the transaction around it ` +
        `finished, so it was rolled back. Await every nested call inside the transaction that starts it.`,
    }[problem];
    super('OUTBOX_NESTED_TRANSACTION', detail);
    this.name = 'NestedTransactionError';
    this.problem = problem;
  }
}

/** A transaction option (`Transactional`, `transactional`, `outbox.transaction`) is wrong. Nothing ran. */
export class InvalidTransactionOptionsError extends OutboxError {
  readonly option: string;
  constructor(option: string, detail: string) {
    super('OUTBOX_INVALID_TRANSACTION_OPTIONS', `Invalid transaction option ${option}: ${detail}`);
    this.name = 'InvalidTransactionOptionsError';
    this.option = option;
  }
}

/** A method decorator was put on something that is not a method. */
export class DecoratorMisuseError extends OutboxError {
  constructor(decoratorName: string, target: string) {
    super(
      'OUTBOX_DECORATOR_MISUSE',
      `@${decoratorName}() can only decorate methods, and it was put on ${target}. ` +
        `Put it on a method of a class (the method whose work it wraps).`,
    );
    this.name = 'DecoratorMisuseError';
  }
}

/** A short, safe description of any thrown value (a null-prototype object has no toString). */
export function describeThrown(value: unknown): string {
  let text: string;
  try {
    text = value instanceof Error ? `${String(value.name)}: ${String(value.message)}` : String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
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
  /** The setting (option path or environment variable) that was refused. */
  readonly setting: string;
  /** What was wrong with it and what is accepted (the message without the setting's name). */
  readonly detail: string;
  constructor(setting: string, detail: string) {
    super('OUTBOX_INVALID_CONFIG', `Invalid outboxkit setting ${setting}: ${detail}`);
    this.name = 'InvalidConfigError';
    this.setting = setting;
    this.detail = detail;
  }
}

/** A state change that the message states of docs/guarantees.md §3 do not allow. */
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

/**
 * Thrown by a consumer handler to say "trying again will not help": the consumer helper sends the
 * record to the dead-letter topic at once instead of retrying it through the delay levels.
 */
export class NonRetryableError extends OutboxError {
  constructor(message: string, options: OutboxErrorOptions = {}) {
    super('OUTBOX_NON_RETRYABLE', message, { ...options, retriable: false });
    this.name = 'NonRetryableError';
  }
}

/** A consumed record's value could not be decoded; it goes to the dead-letter topic at once. */
export class MessageDecodeError extends OutboxError {
  constructor(detail: string, options: OutboxErrorOptions = {}) {
    super('OUTBOX_MESSAGE_DECODE', `Cannot decode the record's value: ${detail}`, { ...options, retriable: false });
    this.name = 'MessageDecodeError';
  }
}

/**
 * The inbox consumer stopped for good: kafkajs crashed without restarting on its own, and the
 * consumer's own restarts (with backoff) did not bring it back. It has left the group and
 * disconnected; only a new process (a supervisor's restart) consumes again. `cause`: the last crash.
 */
export class ConsumerCrashedError extends OutboxError {
  readonly groupId: string;
  readonly restarts: number;
  constructor(groupId: string, restarts: number, lastError: string, options: OutboxErrorOptions = {}) {
    super(
      'OUTBOX_CONSUMER_CRASHED',
      `The inbox consumer of group "${groupId}" has stopped consuming: kafkajs crashed and did not restart, and ` +
        `${restarts} restart(s) by the consumer did not bring it back (last crash: ${lastError}). It has left the group. ` +
        `Exit the process non-zero so a supervisor restarts it (await consumer.run(), which rejects with this error), ` +
        `and fix what the last crash names.`,
      { retriable: true, ...options },
    );
    this.name = 'ConsumerCrashedError';
    this.groupId = groupId;
    this.restarts = restarts;
  }
}

/**
 * A relay instance no longer holds the partition lease a batch needs (another instance took it
 * after this one stalled past the lease). The batch is rolled back; its rows stay READY for the
 * new owner.
 */
export class LeaseLostError extends OutboxError {
  constructor(detail: string, options: OutboxErrorOptions = {}) {
    super('OUTBOX_LEASE_LOST', `Relay lease lost: ${detail}`, { ...options, retriable: true });
    this.name = 'LeaseLostError';
  }
}

/** Publishing a batch took longer than the time left on the relay's leases; the batch is rolled back. */
export class PublishTimeoutError extends OutboxError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number, options: OutboxErrorOptions = {}) {
    super('OUTBOX_PUBLISH_FAILED', `Publishing the batch did not finish within ${timeoutMs} ms (the time left on the relay's leases)`, {
      ...options,
      retriable: true,
    });
    this.name = 'PublishTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Kafka answered for these messages, but the database refused to record the outcome (PUBLISHED or
 * DEAD) and even to park them as DEAD. They stay READY and are published again after a backoff;
 * the rest of their batch was recorded.
 */
export class AcknowledgementFailedError extends OutboxError {
  readonly messageIds: readonly string[];
  constructor(failures: ReadonlyArray<{ id: string; error: string }>, options: OutboxErrorOptions = {}) {
    const shown = failures.slice(0, 3).map((f) => f.id).join(', ') + (failures.length > 3 ? ', …' : '');
    super(
      'OUTBOX_ACK_FAILED',
      `Could not record the outcome of ${failures.length} message(s) Kafka has answered for (${shown}): ` +
        `${failures[0]?.error ?? 'unknown error'}. They stay READY and are published again after a backoff. ` +
        `Fix what the database error names: an outboxkit table that lacks the latest outboxkit migration, ` +
        `or a trigger or constraint of your own on the outbox table.`,
      { ...options, retriable: true, messageId: failures[0]?.id },
    );
    this.name = 'AcknowledgementFailedError';
    this.messageIds = failures.map((f) => f.id);
  }
}

// ---- half messages and the back-check ----

/** `sendHalf` was called inside an open outbox transaction; a half message commits on its own. */
export class HalfMessageInTransactionError extends OutboxError {
  constructor() {
    super(
      'OUTBOX_HALF_IN_TRANSACTION',
      'A half message cannot be sent inside an outbox transaction: its HALF row must commit on its own, ' +
        'before the local transaction runs. Call sendHalf outside the transaction, or use send() to ' +
        'commit the message together with the transaction (same-transaction mode).',
    );
    this.name = 'HalfMessageInTransactionError';
  }
}

/**
 * A decision for a half message came after a different one had been applied (for example a late
 * COMMIT after the checker's ROLLBACK). The first final decision wins; this one changed nothing.
 */
export class HalfMessageAlreadyResolvedError extends OutboxError {
  /** The decision that was refused. */
  readonly attempted: 'COMMIT' | 'ROLLBACK';
  /** The row's status when the decision arrived (READY, PUBLISHED, DEAD or ROLLED_BACK). */
  readonly currentStatus: string;
  constructor(messageId: string, attempted: 'COMMIT' | 'ROLLBACK', currentStatus: string, options: OutboxErrorOptions = {}) {
    super(
      'OUTBOX_HALF_ALREADY_RESOLVED',
      `Half message ${messageId} is already ${currentStatus}; the later decision ${attempted} was rejected ` +
        `(the first final decision wins) and nothing was changed. Reconcile your side with it: a committed ` +
        `message is published, a rolled-back one never is.`,
      { ...options, messageId },
    );
    this.name = 'HalfMessageAlreadyResolvedError';
    this.attempted = attempted;
    this.currentStatus = currentStatus;
  }
}

/** No outbox row has this id: nothing was decided. */
export class HalfMessageNotFoundError extends OutboxError {
  constructor(messageId: string) {
    super(
      'OUTBOX_HALF_NOT_FOUND',
      `No outbox message with id ${messageId}; nothing was decided. Pass the messageId that sendHalf returned, ` +
        `through an Outbox on the database and table the message was written to. (A message that was published and ` +
        `then deleted by the relay's retention is gone too: if it was published, there is nothing left to decide.)`,
      { messageId },
    );
    this.name = 'HalfMessageNotFoundError';
  }
}

/** A half-message decision that is neither COMMIT nor ROLLBACK. Nothing was changed. */
export class InvalidHalfDecisionError extends OutboxError {
  constructor(decision: unknown) {
    const shown = typeof decision === 'string' ? `"${decision}"` : String(decision);
    const hint =
      typeof decision === 'string' && (decision.toUpperCase() === 'COMMIT' || decision.toUpperCase() === 'ROLLBACK')
        ? ` (decisions are upper case: "${decision.toUpperCase()}")`
        : decision === 'UNKNOWN'
          ? ' (UNKNOWN is not a decision: leave the message HALF and the back-check asks its checker)'
          : '';
    super(
      'OUTBOX_INVALID_HALF_DECISION',
      `Invalid half-message decision ${shown}${hint}; nothing was changed. Pass "COMMIT" or "ROLLBACK" ` +
        `(LocalTransactionState.COMMIT / LocalTransactionState.ROLLBACK).`,
    );
    this.name = 'InvalidHalfDecisionError';
  }
}

/** A message id that is not a UUID (outboxkit's ids are UUIDv7). Nothing was read or changed. */
export class InvalidMessageIdError extends OutboxError {
  constructor(ids: readonly unknown[]) {
    const shown = ids.map((id) => (typeof id === 'string' ? JSON.stringify(id.length > 60 ? `${id.slice(0, 60)}…` : id) : String(id)));
    super(
      'OUTBOX_INVALID_MESSAGE_ID',
      `Not a message id: ${shown.join(', ')}; nothing was changed. A message id is a UUID such as ` +
        `0190a6f2-0000-7000-8000-000000000001: pass the messageId sendHalf returned (or one from \`outbox-relay half list\`).`,
    );
    this.name = 'InvalidMessageIdError';
  }
}

/**
 * Throw it from a half message's local transaction (a @HalfMessage method) to roll the half
 * message back at once: the local step knows it did not happen. Any other throw counts as UNKNOWN,
 * because the local work may already have taken effect.
 */
export class LocalTransactionRollback extends OutboxError {
  constructor(reason = 'the local transaction rolled back', options: OutboxErrorOptions = {}) {
    super('OUTBOX_LOCAL_TRANSACTION_ROLLBACK', reason, options);
    this.name = 'LocalTransactionRollback';
  }
}

/**
 * A half message's local database transaction started after the back-check had already decided
 * ROLLBACK for it (the check found no marker after the local transaction's deadline). The local
 * transaction was rolled back so its effects cannot contradict that decision.
 */
export class LocalTransactionFencedError extends OutboxError {
  constructor(messageId: string, transactionId: string) {
    super(
      'OUTBOX_LOCAL_TRANSACTION_FENCED',
      `The local transaction ${transactionId} of half message ${messageId} was already rolled back by the ` +
        `back-check (it started after its deadline); its work was not committed.`,
      { messageId },
    );
    this.name = 'LocalTransactionFencedError';
  }
}

/**
 * The back-check reached no checker for a producer group (none registered in this process, the
 * application's HTTP endpoint down, refused or timing out). Such a check is not counted.
 */
export class CheckerUnavailableError extends OutboxError {
  readonly producerGroup: string;
  constructor(producerGroup: string, detail: string, options: OutboxErrorOptions = {}) {
    super('OUTBOX_CHECKER_UNAVAILABLE', `No checker reachable for producer group "${producerGroup}": ${detail}`, {
      retriable: true,
      ...options,
    });
    this.name = 'CheckerUnavailableError';
    this.producerGroup = producerGroup;
  }
}

/** A checker was reached but failed (threw, timed out in process, or answered nonsense). Counts as one check. */
export class CheckerFailedError extends OutboxError {
  readonly producerGroup: string;
  constructor(producerGroup: string, detail: string, options: OutboxErrorOptions = {}) {
    super('OUTBOX_CHECKER_FAILED', `The checker of producer group "${producerGroup}" failed: ${detail}`, {
      retriable: true,
      ...options,
    });
    this.name = 'CheckerFailedError';
    this.producerGroup = producerGroup;
  }
}

/** Two checkers registered for one producer group in one registry. */
export class DuplicateCheckerError extends OutboxError {
  constructor(producerGroup: string) {
    super(
      'OUTBOX_CHECKER_DUPLICATE',
      `A checker for producer group "${producerGroup}" is already registered. Register one checker per group ` +
        `(pass { replace: true } to swap it on purpose).`,
    );
    this.name = 'DuplicateCheckerError';
  }
}

/**
 * PostgreSQL did not answer in time: no connection within the connect timeout (a wrong host, a
 * firewall that drops packets, a port that accepts and stays silent), or a statement unanswered
 * within the query timeout. `server` is host:port/database, never the credentials. Retriable:
 * the server may come back.
 */
export class DatabaseTimeoutError extends OutboxError {
  readonly server: string;
  readonly phase: 'connect' | 'query';
  readonly timeoutMs: number;
  constructor(server: string, phase: 'connect' | 'query', timeoutMs: number, options: OutboxErrorOptions = {}) {
    super(
      'OUTBOX_DATABASE_TIMEOUT',
      phase === 'connect'
        ? `PostgreSQL at ${server} did not accept a connection within ${timeoutMs} ms. Check that the connection string ` +
            'points at a running PostgreSQL server reachable from here; on a slow network raise the connect timeout ' +
            '(connectTimeoutMs, env OUTBOX_DB_CONNECT_TIMEOUT_MS).'
        : `PostgreSQL at ${server} did not answer a statement within ${timeoutMs} ms. Check the server's health and ` +
            'locks (pg_stat_activity); for longer statements raise the query timeout (queryTimeoutMs, env OUTBOX_DB_QUERY_TIMEOUT_MS).',
      { retriable: true, ...options },
    );
    this.name = 'DatabaseTimeoutError';
    this.server = server;
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/** Wraps an unknown throw at a catch boundary so callers always get an OutboxError. */
export function toOutboxError(error: unknown, context: string): OutboxError {
  if (isOutboxError(error)) return error;
  const detail = thrownFacts(error).message;
  return new OutboxError('OUTBOX_DATABASE', `${context}: ${detail}`, { cause: error, retriable: true });
}

/** `instanceof` throws on a revoked Proxy, which JavaScript lets anyone throw. */
function isOutboxError(error: unknown): error is OutboxError {
  try {
    return error instanceof OutboxError;
  } catch {
    return false;
  }
}
