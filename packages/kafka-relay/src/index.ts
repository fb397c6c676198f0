// Public API of @outboxkit/kafka-relay.
export { Relay, type RelayStats } from './relay.js';
export type { RelayEvents } from './relay-events.js';
export {
  resolveRelaySettings,
  DEFAULT_RELAY_OPTIONS,
  type RelayOptions,
  type RelayHttpOptions,
  type ResolvedRelaySettings,
} from './relay-settings.js';
export { KafkaPublisher, type KafkaPublisherOptions } from './kafka-publisher.js';
export { toKafkaRecord } from './kafka-record.js';
export { isPermanentBrokerError, needsNewProducer } from './broker-errors.js';
export { pgExecutor, pgTransactionRunner } from './pg-transaction-runner.js';
export { relayOptionsFromEnv } from './cli/relay-env.js';
export { kafkajsLogCreator } from './kafkajs-logger.js';
// Secured Kafka: TLS, SASL, timeouts, compression, for the relay, the consumer and the replay.
export {
  resolveKafkaConnection,
  kafkaClient,
  DEFAULT_KAFKA_CONNECTION,
  type KafkaConnectionOptions,
  type KafkaTlsOptions,
  type KafkaSaslOptions,
  type KafkaSaslMechanism,
  type KafkaCompression,
  type KafkaConnectionDescription,
  type ResolvedKafkaConnection,
  type KafkaClient,
  type KafkaClientSource,
} from './kafka-connection.js';
export { KafkaAuthenticationError, KafkaTlsError, explainKafkaError, type KafkaTlsProblem } from './kafka-errors.js';
export { kafkaConnectionFromEnv } from './cli/kafka-env.js';
// Relay operations (issue 4): metrics, ops endpoints, dead-message tooling.
export { RelayMetrics } from './metrics/relay-metrics.js';
export { MetricsRegistry, Counter, Gauge, Histogram, PROMETHEUS_CONTENT_TYPE } from './metrics/prometheus-text.js';
export { OpsServer, type OpsServerOptions, type Probe } from './ops/ops-server.js';
export { ProducerHolder } from './producer-holder.js';
export { NudgeListener, type NudgeListenerOptions } from './nudge-listener.js';
// Consumer side (issue 5): inbox consumer with retry levels and a dead-letter topic, and replay.
export { InboxConsumer, createInboxConsumer } from './consumer/inbox-consumer.js';
export {
  resolveInboxConsumerSettings,
  DEFAULT_INBOX_CONSUMER_OPTIONS,
  type InboxConsumerOptions,
  type InboxConsumerMode,
  type InboxConsumerRetryOptions,
  type InboxConsumerRetentionOptions,
  type ResolvedInboxConsumerSettings,
} from './consumer/inbox-consumer-settings.js';
export type { InboxConsumerEvents, InboxConsumerStats, CommittedRecord } from './consumer/inbox-consumer-events.js';
export { replayDeadLetters, type ReplayDeadLettersOptions, type ReplayResult, type ReplayedRecord } from './consumer/dead-letter-replay.js';
export { runReplayCommand, replayOptionsFromArgs } from './cli/replay-command.js';
// Half messages' back-check (issue 3): HTTP checker client (sidecar mode), the Relay's check service, the CLI.
export { HttpCheckerClient, DEFAULT_HTTP_CHECKER_OPTIONS, type HttpCheckerOptions } from './check/http-checker-client.js';
export { createRelayHalfChecks, PgHalfCheckService, type RelayHalfMessageOptions } from './check/relay-half-checks.js';
export { registerHalfCheckMetrics } from './check/half-check-metrics.js';
export { halfMessagesFromEnv } from './cli/half-env.js';
export { halfCommand, HALF_USAGE } from './cli/half-command.js';
