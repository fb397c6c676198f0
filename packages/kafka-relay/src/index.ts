// Public API of @outboxkit/kafka-relay.
export { Relay, type RelayEvents, type RelayStats } from './relay.js';
export { resolveRelaySettings, DEFAULT_RELAY_OPTIONS, type RelayOptions, type ResolvedRelaySettings } from './relay-settings.js';
export { KafkaPublisher, type KafkaPublisherOptions } from './kafka-publisher.js';
export { toKafkaRecord } from './kafka-record.js';
export { isPermanentBrokerError } from './broker-errors.js';
export { pgExecutor, pgTransactionRunner } from './pg-transaction-runner.js';
export { relayOptionsFromEnv } from './cli/relay-env.js';
export { kafkajsLogCreator } from './kafkajs-logger.js';
