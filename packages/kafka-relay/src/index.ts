// Public API of @outboxkit/kafka-relay: what an application uses (the README's "Public names"
// lists each one). The CLI's commands, the metric primitives and the relay's parts are private
// to the package; `@outboxkit/kafka-relay/internal` lends the few this repository's tests and
// tools reach, with no stability promise.

// The relay: publishes committed outbox rows (`outbox-relay` is the same class as a sidecar).
export { Relay, type RelayStats } from './relay.js';
export type { RelayEvents } from './relay-events.js';
export type { RelayOptions, RelayHttpOptions } from './relay-settings.js';
export type { RelayHalfMessageOptions } from './check/relay-half-checks.js';
export { HttpCheckerClient, type HttpCheckerOptions } from './check/http-checker-client.js';

// The inbox consumer.
export { InboxConsumer, createInboxConsumer } from './consumer/inbox-consumer.js';
export type {
  InboxConsumerOptions,
  InboxConsumerMode,
  InboxConsumerRetryOptions,
  InboxConsumerRetentionOptions,
} from './consumer/inbox-consumer-settings.js';
export type { InboxConsumerEvents, InboxConsumerStats, CommittedRecord } from './consumer/inbox-consumer-events.js';

// The operator's handle: DEAD and half messages, the counts, putting dead letters back.
export { createOutboxAdmin, type OutboxAdmin, type OutboxAdminOptions, type OutboxAdminReplayOptions } from './admin/outbox-admin.js';
export type { ReplayResult, ReplayedRecord } from './consumer/dead-letter-replay.js';
export type {
  DeadMessage,
  DeadRetryResult,
  DeadMessageActions,
  HalfMessageSummary,
  HalfMessageActions,
  AdminActionResult,
  OutboxStats,
} from '@outboxkit/core/internal';

// Connecting to a secured Kafka (docs/kafka-connection.md).
export type {
  KafkaConnectionOptions,
  KafkaTlsOptions,
  KafkaSaslOptions,
  KafkaSaslMechanism,
  KafkaCompression,
} from './kafka-connection.js';
export { KafkaAuthenticationError, KafkaTlsError, type KafkaTlsProblem } from './kafka-errors.js';
