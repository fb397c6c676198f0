// Public API of @outboxkit/core. What is not exported here is internal.
export {
  OutboxError,
  NoActiveTransactionError,
  TransactionClosedError,
  TransactionClosingError,
  RollbackOnlyError,
  NestedTransactionError,
  InvalidTransactionOptionsError,
  DecoratorMisuseError,
  describeThrown,
  type NestedTransactionProblem,
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
  toOutboxError,
  type OutboxErrorCode,
  type OutboxErrorOptions,
} from './errors.js';
export { HEADERS, RESERVED_HEADER_PREFIX, type OutboxMessageInput, type PreparedMessage, type StoredMessage } from './message.js';
export { newMessageId, isUuid } from './message-id.js';
export { prepareMessage, type PrepareOptions } from './prepare-message.js';
export { topicNameProblem, MAX_TOPIC_LENGTH, RESERVED_TOPIC_PREFIX } from './topic-name.js';
export { MAX_JSON_DEPTH } from './storable-json.js';
export { MessageStatus, canTransition, assertTransition } from './message-states.js';
export type {
  SqlStatement,
  SqlExecutor,
  IsolationLevel,
  TransactionOptions,
  TransactionPropagation,
  TransactionHandle,
  TransactionPort,
  Savepoints,
} from './ports.js';
export { TRANSACTION_PROPAGATIONS, ISOLATION_LEVELS, checkTransactionOptions } from './transaction/transaction-options.js';
export { createConsoleLogger, silentLogger, type Logger, type LogLevel } from './logger.js';
export { describeError, thrownFacts, asError, MAX_ERROR_DESCRIPTION_CHARS, type ThrownFacts } from './describe-error.js';
export { redactSecrets, redactError, type RedactedError } from './redact-secrets.js';
export { TypedEvents } from './events.js';
export {
  resolveOutboxSettings,
  DEFAULT_OUTBOX_OPTIONS,
  type MessageLimits,
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
export { claimReadyBatch, type ClaimedRow, type ClaimReadyBatchOptions } from './sql/claim-ready-batch.js';
export { markPublished, deletePublished } from './sql/mark-published.js';
export { markDead } from './sql/mark-dead.js';
export { recordInboxReceipt, type InboxReceipt } from './sql/record-inbox-receipt.js';
export { exponentialBackoff, DEFAULT_BACKOFF, type BackoffPolicy, type ExponentialBackoffOptions } from './retry-policy.js';
export type { Publisher, PublishOutcome, PublishOptions } from './relay/publisher.js';
export type { SqlTransactionRunner, SqlTransactionOptions } from './relay/sql-transaction-runner.js';
export {
  SqlRelayStore,
  toStoredMessage,
  type BatchResult,
  type RetentionMode,
  type DeadKeyPolicy,
  type SqlRelayStoreOptions,
  type PublishFunction,
} from './relay/sql-relay-store.js';
export { RelayLoop, type RelayLoopOptions } from './relay/relay-loop.js';
export { RelayLanes, laneOf, lanePartitions, type RelayLanesOptions, type PublishingOutage } from './relay/relay-lanes.js';
export {
  headerValue,
  rawHeaderValue,
  messageIdFromHeader,
  requireMessageId,
  type ConsumedRecord,
  type MessageIdExtractor,
} from './inbox/consumed-record.js';
export { encodeDedupeKey, storableDedupeKey, isStorableDedupeKey, MAX_DEDUPE_KEY_BYTES } from './inbox/dedupe-key-encoding.js';
export { checkConsumerGroup, MAX_CONSUMER_GROUP_CHARS } from './inbox/consumer-group.js';
export { Inbox, type InboxOptions, type InboxEvents, type InboxResult, type InboxContext } from './inbox/inbox.js';
export type { InboxHandleOptions, InboxBatchItem, InboxBatchOutcome } from './inbox/inbox.js';

/** Convenience alias: send a message in the current transaction (plain-function form). */
export { sendInCurrentTransaction as send } from './outbox.js';

// Schema description and DDL (the migration generator renders these; usable with any migration tool).
export {
  outboxkitSchema,
  modelNameFor,
  DEFAULT_SCHEMA_OPTIONS,
  type OutboxSchemaOptions,
  type SchemaDefinition,
  type TableDefinition,
  type TableRole,
  type ColumnDefinition,
  type ColumnType,
  type ColumnDefault,
  type IndexDefinition,
  type ExtraDefinition,
  type PayloadMode,
} from './schema/outboxkit-schema.js';
export { postgresSchemaDialect, postgresDefault, POSTGRES_TRANSACTION_ID, type SchemaDialect } from './schema/schema-dialect.js';
export {
  outboxSchemaSql,
  renderSchemaSql,
  renderSchemaChanges,
  allOf as allSchemaChanges,
  type OutboxSchemaSqlOptions,
  type SchemaChanges,
} from './schema/schema-ddl.js';

// Relay for production (issue 4): partition leases, fencing, nudges, retention, operator SQL.
export { partitionOf, heldPartitions, type LeaseFence } from './sql/lease-fence.js';
export { ensureLeasePartitions, countLeasePartitions } from './sql/lease-partitions.js';
export { heartbeatMember, leaveMembership, type RelayMember } from './sql/lease-membership.js';
export { renewLeases, type LeaseRow } from './sql/lease-renew.js';
export { acquireLeases } from './sql/lease-acquire.js';
export { releaseLeases, releaseAllLeases } from './sql/lease-release.js';
export {
  listDeadMessages,
  retryDeadMessages,
  retryAllDeadMessages,
  type DeadMessageRow,
  type ListDeadOptions,
} from './sql/dead-messages.js';
export { deleteExpiredPublished, tryCleanupLock, CLEANUP_LOCK_NAMESPACE } from './sql/delete-expired-published.js';
export { relayStats, type RelayStatsRow } from './sql/relay-stats.js';
export { notifyRelay, DEFAULT_RELAY_CHANNEL, RelayNudge } from './sql/notify-relay.js';
export { fairShare, planLeases, leaseValidUntil, publishBudget, type LeasePlan } from './relay/lease-math.js';
export {
  PartitionLeases,
  type PartitionLeasesOptions,
  type LeaseChange,
  type BatchLease,
  type BatchLane,
} from './relay/partition-leases.js';
export { nudgeRelayAfterCommit, type CommitEvents, type RelayNudgeOptions } from './relay/commit-nudge.js';
export { RetentionCleaner, type RetentionCleanerOptions } from './relay/retention-cleaner.js';

// Consumer side (issue 5): retry levels, dead letters, dedupe keys, inbox retention, handler forms.
export { DEFAULT_DELAY_LEVELS, parseDelayLevels, delayLevelFor, delayForRetry } from './consumer/delay-levels.js';
export {
  resolveReconsumePolicy,
  decideAfterFailure,
  isRetryableError,
  DEFAULT_RECONSUME_OPTIONS,
  type ReconsumeOptions,
  type ReconsumePolicy,
  type RetryableErrorPredicate,
  type DeadLetterReason,
  type FailureDecision,
} from './consumer/reconsume-policy.js';
export {
  CONSUMER_HEADERS,
  readDeliveryInfo,
  retryHeaders,
  deadLetterHeaders,
  replayHeaders,
  summarizeStack,
  type DeliveryInfo,
  type RecordHeaders,
} from './consumer/consumer-headers.js';
export { resolveDedupeKey, offsetKey, type DedupeKey, type DedupeKeySource } from './consumer/dedupe-key.js';
export { retryTopicFor, deadLetterTopicFor } from './consumer/consumer-topics.js';
export { decodeJson, decodeRaw, decodeValue, type ValueDecoder } from './consumer/decode.js';
export {
  defineInboxHandler,
  handlerTopics,
  type InboxHandlerContext,
  type InboxHandlerFn,
  type InboxHandlerOptions,
  type InboxHandlerDefinition,
} from './consumer/inbox-handler.js';
export {
  InboxHandler,
  collectInboxHandlers,
  getInboxHandlerMethods,
  INBOX_HANDLER_METADATA,
  type InboxHandlerMethod,
} from './decorators/inbox-handler.js';
export { recordInboxReceipts } from './sql/record-inbox-receipts.js';
export { pruneInboxReceipts, type PruneInboxReceiptsOptions } from './sql/prune-inbox-receipts.js';
export { pruneInbox, DEFAULT_INBOX_RETENTION, type InboxRetentionOptions, type PruneResult } from './inbox/prune-inbox.js';

// ---- half messages and the checkLocalTransaction back-check (issue 3) ----
export {
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
} from './errors.js';
export { LocalTransactionState, isLocalTransactionState } from './half/local-transaction-state.js';
export type {
  HalfMessageInput,
  HalfMessageContext,
  HalfSendResult,
  LocalTransaction,
  LocalTransactionMode,
  SendHalfOptions,
} from './half/half-message.js';
export type { HalfMessageEvents, HalfDecider } from './half/half-events.js';
export { sendHalfMessage, sendHalfMessage as sendHalf, resolveHalf } from './half/send-half-message.js';
export { currentHalfMessage } from './half/half-message-context.js';
export { HalfMessage, type HalfMessageOptions } from './half/half-message-decorator.js';
export { applyHalfDecision, classifyAfterMiss, type ApplyHalfDecisionResult, type ApplyHalfDecisionOptions } from './half/apply-half-decision.js';
export { isHalfDecision } from './half/half-decision.js';
export type { HalfMessageView, TransactionChecker as TransactionCheckerFn, CheckerResolver } from './checker/checker-types.js';
export { CheckerRegistry, defaultCheckerRegistry, registerChecker } from './checker/checker-registry.js';
export { TransactionChecker, registerCheckers, checkerMethodsOf, CHECKER_METADATA } from './checker/transaction-checker-decorator.js';
export {
  planCheck,
  answerFromError,
  fixedCheckSchedule,
  type CheckAnswer,
  type CheckPlan,
  type CheckResult,
  type CheckSchedule,
} from './checker/check-decision.js';
export {
  resolveHalfCheckSettings,
  DEFAULT_HALF_CHECK_OPTIONS,
  type HalfCheckOptions,
  type ResolvedHalfCheckSettings,
} from './checker/half-check-settings.js';
export {
  HalfCheckService,
  type HalfCheckServiceOptions,
  type HalfCheckEvents,
  type HalfCheckStats,
  type HalfAgeSnapshot,
} from './checker/half-check-service.js';
export { HalfMessageAdmin, type HalfMessageSummary, type AdminActionResult } from './checker/half-message-admin.js';
export { toHalfMessageView } from './checker/half-message-view.js';
export {
  signCheckRequest,
  verifyCheckSignature,
  checkSignature,
  checkerSecretProblem,
  MIN_CHECKER_SECRET_LENGTH,
  type SignatureVerdict,
  constantTimeEqual,
  CHECK_SIGNATURE_HEADER,
  CHECK_TIMESTAMP_HEADER,
  DEFAULT_SIGNATURE_TOLERANCE_MS,
} from './checker/http/check-signature.js';
export {
  encodeCheckRequest,
  decodeCheckRequest,
  decodeCheckAnswer,
  CHECK_PROTOCOL_VERSION,
  CheckEndpointErrorCode,
  type CheckErrorBody,
  type CheckRequestBody,
  type CheckResponseBody,
} from './checker/http/check-protocol.js';
export {
  createCheckerHandler,
  DEFAULT_CHECKER_HANDLER_OPTIONS,
  type CheckerHandlerOptions,
  type CheckerHttpHandler,
} from './checker/http/checker-http-handler.js';
export { CheckReplayGuard } from './checker/http/check-replay-guard.js';
export { insertHalfMessage, type InsertHalfMessageOptions } from './sql/insert-half-message.js';
export { resolveHalfMessage, halfMessageStatus, noteHalfMessage, type HalfDecision } from './sql/resolve-half-message.js';
export { claimDueHalfMessages, type DueHalfRow, type ClaimDueHalfOptions } from './sql/claim-due-half-messages.js';
export { deferHalfCheck, type DeferHalfCheckOptions } from './sql/defer-half-check.js';
export { insertTxMarker } from './sql/insert-tx-marker.js';
export { findTxMarker } from './sql/find-tx-marker.js';
export { fenceHalfMessage } from './sql/fence-half-message.js';
export { pruneTxMarkers } from './sql/prune-tx-markers.js';
export { listHalfMessages, type HalfMessageRow, type ListHalfMessagesOptions } from './sql/list-half-messages.js';
export { resumeHalfChecks } from './sql/resume-half-checks.js';
export { halfAgeSnapshot, type HalfAgeRow } from './sql/half-age-snapshot.js';
