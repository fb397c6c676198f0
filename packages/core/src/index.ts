// Public API of @outboxkit/core: what an application uses (the README's "Public names" lists each
// one). The sibling packages reach the rest through `@outboxkit/core/internal`, which has no
// stability promise; what neither exports is private to this package.

// Errors: all extend OutboxError (`code`, `retriable`).
export {
  OutboxError,
  NoActiveTransactionError,
  TransactionClosedError,
  TransactionClosingError,
  RollbackOnlyError,
  NestedTransactionError,
  InvalidTransactionOptionsError,
  DecoratorMisuseError,
  OutboxNotConfiguredError,
  InvalidMessageError,
  MessageSerializationError,
  MessageTooLargeError,
  InvalidConfigError,
  InvalidTransitionError,
  InboxMissingIdError,
  NonRetryableError,
  MessageDecodeError,
  ConsumerCrashedError,
  LeaseLostError,
  PublishTimeoutError,
  AcknowledgementFailedError,
  DatabaseTimeoutError,
  HalfMessageInTransactionError,
  HalfMessageAlreadyResolvedError,
  HalfMessageNotFoundError,
  InvalidHalfDecisionError,
  InvalidMessageIdError,
  LocalTransactionRollback,
  LocalTransactionFencedError,
  CheckerUnavailableError,
  CheckerFailedError,
  DuplicateCheckerError,
  type NestedTransactionProblem,
  type OutboxErrorCode,
  type OutboxErrorOptions,
} from './errors.js';

// The outbox and its transaction.
export { Outbox, send } from './outbox.js';
export type { OutboxEvents } from './outbox-contract.js';
export { Transactional, transactional, type TransactionalOptions } from './decorators/transactional.js';
export type { OutboxOptions, MessageLimits } from './outbox-settings.js';
export type { OutboxMessageInput, StoredMessage } from './message.js';
export { MessageStatus } from './message-states.js';
export type { IsolationLevel, TransactionOptions, TransactionPropagation } from './ports.js';
export { nudgeRelayAfterCommit, type CommitEvents, type RelayNudgeOptions } from './relay/commit-nudge.js';

// Half messages and the back-check.
export { HalfMessage, type HalfMessageOptions } from './half/half-message-decorator.js';
export { sendHalf, resolveHalf } from './half/send-half-message.js';
export { currentHalfMessage } from './half/half-message-context.js';
export { LocalTransactionState, type LocalTransactionMode } from './half/local-transaction-state.js';
export type { HalfMessageInput, HalfMessageContext, HalfSendResult, LocalTransaction, SendHalfOptions } from './half/half-message.js';
export type { HalfMessageEvents, HalfDecider } from './half/half-events.js';
export type { HalfMessageView, CheckerFunction } from './checker/checker-types.js';
export { TransactionChecker, registerCheckers } from './checker/transaction-checker-decorator.js';
export { CheckerRegistry, registerChecker } from './checker/checker-registry.js';
export { createCheckerHandler, type CheckerHandlerOptions, type CheckerHttpHandler } from './checker/http/checker-http-handler.js';

// The inbox.
export { InboxHandler, collectInboxHandlers } from './decorators/inbox-handler.js';
export {
  defineInboxHandler,
  type InboxHandlerContext,
  type InboxHandlerFn,
  type InboxHandlerOptions,
  type InboxHandlerDefinition,
} from './consumer/inbox-handler.js';
export type { ValueDecoder } from './consumer/decode.js';
export type { ConsumedRecord } from './inbox/consumed-record.js';
export { pruneInbox, type InboxRetentionOptions, type PruneResult } from './inbox/prune-inbox.js';

// The tables' DDL, for a migration tool other than Prisma Migrate (docs/adopting.md).
export { outboxSchemaSql, type OutboxSchemaSqlOptions } from './schema/schema-ddl.js';

// Settings values the options above take.
export { createConsoleLogger, silentLogger, type Logger, type LogLevel } from './logger.js';
export { exponentialBackoff, type BackoffPolicy, type ExponentialBackoffOptions } from './retry-policy.js';
