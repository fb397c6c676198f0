// Public API of @outboxkit/core. What is not exported here is internal.
export {
  OutboxError,
  NoActiveTransactionError,
  TransactionClosedError,
  OutboxNotConfiguredError,
  InvalidMessageError,
  MessageSerializationError,
  MessageTooLargeError,
  InvalidConfigError,
  InvalidTransitionError,
  InboxMissingIdError,
  toOutboxError,
  type OutboxErrorCode,
  type OutboxErrorOptions,
} from './errors.js';
export { HEADERS, RESERVED_HEADER_PREFIX, type OutboxMessageInput, type PreparedMessage, type StoredMessage } from './message.js';
export { newMessageId, isUuid } from './message-id.js';
export { prepareMessage, type PrepareOptions } from './prepare-message.js';
export { MessageStatus, canTransition, assertTransition } from './message-states.js';
export type {
  SqlStatement,
  SqlExecutor,
  IsolationLevel,
  TransactionOptions,
  TransactionHandle,
  TransactionPort,
} from './ports.js';
export { createConsoleLogger, silentLogger, type Logger, type LogLevel } from './logger.js';
export { TypedEvents } from './events.js';
export {
  resolveOutboxSettings,
  DEFAULT_OUTBOX_OPTIONS,
  type OutboxOptions,
  type ResolvedOutboxSettings,
} from './outbox-settings.js';
export { Outbox, sendInCurrentTransaction, type OutboxEvents } from './outbox.js';
export { setDefaultOutbox, getDefaultOutbox } from './default-outbox.js';
export { Transactional, transactional, type TransactionalOptions } from './decorators/transactional.js';
export { createMethodDecorator, copyReflectMetadata, type MethodDecorator } from './decorators/wrap-method.js';
export { currentScope as currentTransactionScope, runOutsideScope as runOutsideTransaction } from './transaction/ambient-transaction.js';
export type { TransactionScope } from './transaction/transaction-scope.js';
export {
  quoteIdentifier,
  qualifyTables,
  DEFAULT_TABLE_NAMES,
  type TableNamesOptions,
  type QualifiedTables,
} from './sql/identifiers.js';
export { insertMessages, KEY_LOCK_NAMESPACE } from './sql/insert-messages.js';
export { claimReadyBatch, type ClaimedRow } from './sql/claim-ready-batch.js';
export { markPublished, deletePublished } from './sql/mark-published.js';
export { markDead } from './sql/mark-dead.js';
export { recordInboxReceipt, type InboxReceipt } from './sql/record-inbox-receipt.js';
export { exponentialBackoff, DEFAULT_BACKOFF, type BackoffPolicy, type ExponentialBackoffOptions } from './retry-policy.js';
export type { Publisher, PublishOutcome } from './relay/publisher.js';
export type { SqlTransactionRunner } from './relay/sql-transaction-runner.js';
export { SqlRelayStore, toStoredMessage, type BatchResult, type RetentionMode } from './relay/sql-relay-store.js';
export { RelayLoop, type RelayLoopOptions } from './relay/relay-loop.js';
export {
  headerValue,
  messageIdFromHeader,
  requireMessageId,
  type ConsumedRecord,
  type MessageIdExtractor,
} from './inbox/consumed-record.js';
export { Inbox, type InboxOptions, type InboxEvents, type InboxResult, type InboxContext } from './inbox/inbox.js';

/** Convenience alias: send a message in the current transaction (plain-function form). */
export { sendInCurrentTransaction as send } from './outbox.js';
