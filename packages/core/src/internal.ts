// @outboxkit/core/internal — for @outboxkit/prisma-adapter and @outboxkit/kafka-relay (and this
// repository's tests and tools) only. NO STABILITY PROMISE: names here change or go in any
// release, minor and patch included; applications import `@outboxkit/core` instead.
//
// It is what the adapters build the public API from: the ports an adapter implements, the
// default outbox and the ambient transaction scope, the SQL the relay, the inbox and the CLI run,
// the relay's and the consumer's building blocks, the back-check machinery and the schema.

// Ports and the write side's seams.
export type { SqlStatement, SqlExecutor, TransactionHandle, TransactionPort, Savepoints } from './ports.js';
export type { ResolvedOutboxSettings } from './outbox-settings.js';
export { setDefaultOutbox, getDefaultOutbox } from './default-outbox.js';
export { currentScope } from './transaction/ambient-transaction.js';
export type { TransactionScope } from './transaction/transaction-scope.js';

// Messages.
export { HEADERS, type PreparedMessage } from './message.js';
export { newMessageId, isUuid } from './message-id.js';
export { prepareMessage } from './prepare-message.js';
export { topicNameProblem } from './topic-name.js';
export { MAX_JSON_DEPTH } from './storable-json.js';

// Diagnostics.
export { describeError, thrownFacts, asError } from './describe-error.js';
export { redactSecrets } from './redact-secrets.js';
export { TypedEvents } from './events.js';

// Settings: the one integer check, the one timeout race, the one mutex the packages use.
export { positiveInteger } from './setting-checks.js';
export { withTimeout } from './with-timeout.js';
export { FifoMutex } from './fifo-mutex.js';
export { BackgroundLoop, type BackgroundLoopOptions, type TickResult } from './lifecycle/background-loop.js';

// SQL the relay, the inbox and the CLI run.
export {
  quoteIdentifier,
  qualifyTables,
  DEFAULT_TABLE_NAMES,
  DEFAULT_RELAY_TABLE_NAMES,
  type TableNamesOptions,
  type QualifiedTables,
} from './sql/identifiers.js';
export { insertMessages, KEY_LOCK_NAMESPACE } from './sql/insert-messages.js';
export { claimReadyBatch } from './sql/claim-ready-batch.js';
export { markPublished } from './sql/mark-published.js';
export { relayStats, type RelayStatsRow } from './sql/relay-stats.js';
export { notifyRelay, DEFAULT_RELAY_CHANNEL, RelayNudge } from './sql/notify-relay.js';
export { insertHalfMessage } from './sql/insert-half-message.js';
export { insertTxMarker } from './sql/insert-tx-marker.js';

// The relay's building blocks.
export type { Publisher, PublishOutcome, PublishOptions } from './relay/publisher.js';
export type { SqlTransactionRunner, SqlTransactionOptions } from './relay/sql-transaction-runner.js';
export { SqlRelayStore, toStoredMessage, type RetentionMode, type DeadKeyPolicy } from './relay/sql-relay-store.js';
export { RelayLanes } from './relay/relay-lanes.js';
export { PartitionLeases } from './relay/partition-leases.js';
export { RetentionCleaner } from './relay/retention-cleaner.js';

// The consumer's building blocks: records, retries, dead letters, dedupe keys, the inbox.
export { headerValue, rawHeaderValue, type MessageIdExtractor } from './inbox/consumed-record.js';
export { checkConsumerGroup } from './inbox/consumer-group.js';
export {
  Inbox,
  type InboxOptions,
  type InboxResult,
  type InboxContext,
  type InboxBatchItem,
  type InboxBatchOutcome,
} from './inbox/inbox.js';
export { DEFAULT_INBOX_RETENTION } from './inbox/prune-inbox.js';
export {
  resolveReconsumePolicy,
  decideAfterFailure,
  type ReconsumeOptions,
  type ReconsumePolicy,
  type DeadLetterReason,
  type FailureDecision,
} from './consumer/reconsume-policy.js';
export { CONSUMER_HEADERS, readDeliveryInfo, retryHeaders, deadLetterHeaders, replayHeaders, type DeliveryInfo } from './consumer/consumer-headers.js';
export { resolveDedupeKey, type DedupeKey } from './consumer/dedupe-key.js';
export { retryTopicFor, deadLetterTopicFor } from './consumer/consumer-topics.js';
export { decodeJson, decodeValue } from './consumer/decode.js';
export { handlerTopics } from './consumer/inbox-handler.js';
export { INBOX_HANDLER_METADATA } from './decorators/inbox-handler.js';

// The back-check: checker discovery, the check service, the HTTP protocol.
export type { CheckerResolver } from './checker/checker-types.js';
export { defaultCheckerRegistry } from './checker/checker-registry.js';
export { checkerMethodsOf } from './checker/transaction-checker-decorator.js';
export type { CheckResult } from './checker/check-decision.js';
export type { HalfCheckOptions } from './checker/half-check-settings.js';
export { HalfCheckService, type HalfCheckServiceOptions, type HalfCheckEvents } from './checker/half-check-service.js';
export { signCheckRequest, checkerSecretProblem, CHECK_SIGNATURE_HEADER, CHECK_TIMESTAMP_HEADER } from './checker/http/check-signature.js';
export { encodeCheckRequest, decodeCheckAnswer, CheckEndpointErrorCode } from './checker/http/check-protocol.js';

// The operator's actions over a SqlExecutor (kafka-relay's OutboxAdmin wires a pg pool to them).
export { sqlOutboxAdmin, type SqlOutboxAdmin, type SqlOutboxAdminOptions } from './admin/sql-outbox-admin.js';
export type { DeadMessage, DeadRetryResult, DeadMessageActions } from './admin/dead-message-actions.js';
export type { HalfMessageSummary, AdminActionResult, HalfMessageActions } from './admin/half-message-actions.js';
export type { OutboxStats } from './admin/outbox-stats.js';

// The schema and its DDL (the migration generator renders them).
export {
  outboxkitSchema,
  type SchemaDefinition,
  type TableDefinition,
  type TableRole,
  type ColumnDefinition,
  type ColumnType,
  type IndexDefinition,
  type PayloadMode,
} from './schema/outboxkit-schema.js';
export { postgresSchemaDialect, POSTGRES_TRANSACTION_ID, type SchemaDialect } from './schema/schema-dialect.js';
export { renderSchemaChanges, type SchemaChanges } from './schema/schema-ddl.js';
