// @outboxkit/kafka-relay/internal — for this repository's tests and benchmarks only. NO
// STABILITY PROMISE: names here change or go in any release, patch releases included;
// applications import `@outboxkit/kafka-relay` (or run `outbox-relay`) instead.

export { toKafkaRecord } from './kafka-record.js';
export { relayOptionsFromEnv } from './cli/relay-env.js';
export { replayOptionsFromArgs } from './cli/replay-command.js';
export { halfCommand } from './cli/half-command.js';
// The dead-letter replay the OutboxAdmin and `outbox-relay replay` run (the latter needs no database).
export { replayDeadLetters, type ReplayDeadLettersOptions } from './consumer/dead-letter-replay.js';
