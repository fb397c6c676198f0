import {
  InvalidConfigError,
  type InboxHandlerDefinition,
  type InboxHandlerFn,
  type InboxRetentionOptions,
  type Logger,
  type Outbox,
  type TransactionOptions,
  type ValueDecoder,
} from '@outboxkit/core';
import {
  checkConsumerGroup,
  DEFAULT_INBOX_RETENTION,
  deadLetterTopicFor,
  decodeJson,
  describeError,
  handlerTopics,
  positiveInteger,
  resolveReconsumePolicy,
  retryTopicFor,
  topicNameProblem,
  type MessageIdExtractor,
  type ReconsumeOptions,
  type ReconsumePolicy,
} from '@outboxkit/core/internal';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import type { KafkaConnectionOptions } from '../kafka-connection.js';

export type InboxConsumerMode = 'batch' | 'message';

export interface InboxConsumerRetryOptions extends ReconsumeOptions {
  /** Topic retried records wait on. Default `<groupId>.retry` (RocketMQ: `%RETRY%group`). */
  retryTopic?: string;
  /** Topic of records that exhausted their retries. Default `<groupId>.DLQ` (RocketMQ: `%DLQ%group`). */
  deadLetterTopic?: string;
}

export interface InboxConsumerRetentionOptions extends Omit<InboxRetentionOptions, 'consumerGroup'> {
  /** How often the consumer prunes its group's old receipts, ms. Default 1 hour (and once at start). */
  intervalMs?: number;
}

export interface InboxConsumerOptions<TClient = any> {
  /** The Outbox whose transactions the receipts and the handlers' writes share. */
  outbox: Outbox<TClient>;
  /** Kafka consumer group; also the inbox's consumer group (dedupe is per group). */
  groupId: string;
  /** A kafkajs client to use (then every `kafkaConnection` setting but `compression` stays unset). Either this or `brokers`. */
  kafka?: Kafka;
  /** Kafka bootstrap brokers. Either this or `kafka`. */
  brokers?: string[];
  /**
   * How to reach a secured Kafka: TLS, SASL (PLAIN, SCRAM, OAUTHBEARER), timeouts, and the
   * compression of the retry and dead-letter records (docs/kafka-connection.md). Default:
   * plaintext, no authentication.
   */
  kafkaConnection?: KafkaConnectionOptions;
  /** Client id when the consumer builds its own Kafka client. Default `outbox-consumer`. */
  clientId?: string;
  /** Handlers, one per topic: plain definitions, or `collectInboxHandlers(instance)`. Handlers bound to another group are left out. */
  handlers?: InboxHandlerDefinition<any, TClient>[];
  /** Shorthand for one handler of several topics: `topics` + `handler`. */
  topics?: string[];
  handler?: InboxHandlerFn<any, TClient>;
  /**
   * `batch` (default): each fetched batch is deduped with ONE statement and its handlers run in ONE
   * transaction (up to `batchSize` records), in partition order. `message`: one transaction per
   * record, records of different keys concurrently (see `concurrency`).
   */
  mode?: InboxConsumerMode;
  /**
   * Most records per transaction in batch mode. Default 1000: in practice the whole fetched batch
   * of a partition (kafkajs fetches up to 1 MB per partition). Keep `batchSize` × handler time
   * well below the transaction timeout (`transaction.timeoutMs`).
   */
  batchSize?: number;
  /**
   * Message mode: records processed at once, each in its own transaction, across all partitions
   * of this consumer. Records of the same Kafka key (null keys count as one key) never overlap and
   * run in offset order; records of different keys may finish out of order. `1` processes one
   * record at a time in partition order. Default 8 — keep it at or below the database pool size
   * (a transaction waiting for a connection counts against Prisma's `maxWait`).
   */
  concurrency?: number;
  /** Decodes record values for handlers without their own decoder. Default JSON (`decodeJson`). */
  decode?: ValueDecoder;
  /** Dedupe key of records without outboxkit's message-id header. Last resort: topic/partition/offset. */
  messageId?: MessageIdExtractor;
  /** Start a new group at the earliest offset. Default false (latest). The retry topic is always read from its start. */
  fromBeginning?: boolean;
  /** Delay levels, max reconsume times, retry and dead-letter topics. */
  retry?: InboxConsumerRetryOptions;
  /** Pruning of old inbox receipts; `false` turns it off. Default: 7-day window, every hour. */
  retention?: InboxConsumerRetentionOptions | false;
  /** Options of the transactions the consumer opens. Default: the Outbox's. */
  transaction?: TransactionOptions;
  /**
   * How often resolved offsets are committed to Kafka, ms: after a batch once this long passed
   * since the last commit, and from a timer. Also committed when a batch fails, on a rebalance
   * and on stop. Default 1000; 0 commits after every fetched batch. Never per transaction: a lost
   * commit only means a redelivery that the inbox skips.
   */
  commitIntervalMs?: number;
  /** Partitions processed at once (kafkajs `partitionsConsumedConcurrently`). Default 1. In message mode they share `concurrency`. */
  partitionsConsumedConcurrently?: number;
  /** Extra kafkajs consumer settings. Default `maxWaitTimeInMs: 1000`, so a due retry is fetched within a second. */
  consumer?: Omit<ConsumerConfig, 'groupId'>;
  /** Create the retry topic (one partition per delay level) and the dead-letter topic at start. Default true. */
  createTopics?: boolean;
  /**
   * What the consumer does when kafkajs crashes and does not restart on its own (kafkajs restarts
   * after retriable errors only; a TypeError or a protocol error such as INCONSISTENT_GROUP_PROTOCOL
   * ends its consumer for good): restart it, with a growing delay, up to `retries` times in a row.
   * When that does not help, it stops, emits `consumer:fatal` and `run()` rejects with a
   * `ConsumerCrashedError`, so the process can exit and a supervisor restart it (docs/consumer.md).
   */
  restart?: InboxConsumerRestartOptions;
  /** Default: the Outbox's logger. */
  logger?: Logger;
}

export interface InboxConsumerRestartOptions {
  /** Restarts in a row before the consumer gives up. Default 8 (about 2.5 minutes with the default delays); 0 gives up at the first crash. */
  retries?: number;
  /** Delay before the first restart, ms; it doubles with each one. Default 1000. */
  initialDelayMs?: number;
  /** Longest delay between restarts, ms. Default 30000. A consumer that stays up this long after a restart counts as recovered. */
  maxDelayMs?: number;
}

export const DEFAULT_INBOX_CONSUMER_OPTIONS = Object.freeze({
  clientId: 'outbox-consumer',
  mode: 'batch' as InboxConsumerMode,
  batchSize: 1_000,
  concurrency: 8,
  commitIntervalMs: 1_000,
  fromBeginning: false,
  partitionsConsumedConcurrently: 1,
  createTopics: true,
  retentionIntervalMs: 60 * 60 * 1000,
  consumer: Object.freeze({ maxWaitTimeInMs: 1_000 }),
  restart: Object.freeze({ retries: 8, initialDelayMs: 1_000, maxDelayMs: 30_000 }),
});

export interface ResolvedHandler {
  definition: InboxHandlerDefinition;
  decode: ValueDecoder;
}

export interface ResolvedInboxConsumerSettings {
  groupId: string;
  clientId: string;
  mode: InboxConsumerMode;
  batchSize: number;
  concurrency: number;
  commitIntervalMs: number;
  fromBeginning: boolean;
  /** Original topic → its handler. */
  handlers: Map<string, ResolvedHandler>;
  topics: string[];
  messageId: MessageIdExtractor | undefined;
  policy: ReconsumePolicy;
  retryTopic: string;
  deadLetterTopic: string;
  retention: (Required<Omit<InboxRetentionOptions, 'consumerGroup'>> & { intervalMs: number }) | false;
  transaction: TransactionOptions;
  partitionsConsumedConcurrently: number;
  consumer: Omit<ConsumerConfig, 'groupId'>;
  createTopics: boolean;
  restart: Required<InboxConsumerRestartOptions>;
  logger: Logger;
}

export function resolveInboxConsumerSettings(options: InboxConsumerOptions): ResolvedInboxConsumerSettings {
  if (!options.outbox) throw new InvalidConfigError('outbox', 'is required: receipts and handler writes run in its transactions');
  checkConsumerGroup(options.groupId, 'groupId');
  if (!options.kafka && (!options.brokers || options.brokers.length === 0)) {
    throw new InvalidConfigError('brokers', 'is required (or pass a kafkajs client as `kafka`)');
  }
  const mode = options.mode ?? DEFAULT_INBOX_CONSUMER_OPTIONS.mode;
  if (mode !== 'batch' && mode !== 'message') throw new InvalidConfigError('mode', `must be "batch" or "message", got ${typeof mode === 'string' ? `"${mode}"` : describeError(mode, 100)}`);
  const batchSize = positiveInteger('batchSize', options.batchSize ?? DEFAULT_INBOX_CONSUMER_OPTIONS.batchSize);
  const concurrency = positiveInteger('concurrency', options.concurrency ?? DEFAULT_INBOX_CONSUMER_OPTIONS.concurrency);
  const commitIntervalMs = options.commitIntervalMs ?? DEFAULT_INBOX_CONSUMER_OPTIONS.commitIntervalMs;
  if (typeof commitIntervalMs !== 'number' || !Number.isFinite(commitIntervalMs) || commitIntervalMs < 0 || commitIntervalMs > MAX_TIMER_MS) {
    throw new InvalidConfigError('commitIntervalMs', `must be a number of milliseconds from 0 to ${MAX_TIMER_MS}, got ${describeError(commitIntervalMs, 100)}`);
  }
  const partitionsConsumedConcurrently = positiveInteger(
    'partitionsConsumedConcurrently',
    options.partitionsConsumedConcurrently ?? DEFAULT_INBOX_CONSUMER_OPTIONS.partitionsConsumedConcurrently,
  );
  optionalFunction('decode', options.decode, 'a decoder (record) => value, such as decodeRaw');
  optionalFunction('messageId', options.messageId, 'an extractor (record) => string | bytes | undefined');
  const decode = options.decode ?? decodeJson;
  const handlers = resolveHandlers(options, decode);
  for (const topic of handlers.keys()) checkTopic('handlers', topic, '');
  const retryTopic = options.retry?.retryTopic ?? retryTopicFor(options.groupId);
  const deadLetterTopic = options.retry?.deadLetterTopic ?? deadLetterTopicFor(options.groupId);
  const derived = ' (derived from groupId: set it to choose another name)';
  checkTopic('retry.retryTopic', retryTopic, options.retry?.retryTopic === undefined ? derived : '');
  checkTopic('retry.deadLetterTopic', deadLetterTopic, options.retry?.deadLetterTopic === undefined ? derived : '');
  if (retryTopic === deadLetterTopic) {
    throw new InvalidConfigError('retry.deadLetterTopic', `is "${deadLetterTopic}", the same topic as retry.retryTopic: retried records would be taken for dead letters; give each its own topic`);
  }
  for (const topic of handlers.keys()) {
    if (topic === retryTopic || topic === deadLetterTopic) {
      throw new InvalidConfigError('handlers', `topic "${topic}" is the group's own retry or dead-letter topic`);
    }
  }
  const retention = resolveRetention(options.retention);
  const restart = resolveRestart(options.restart);
  return {
    groupId: options.groupId,
    clientId: options.clientId ?? DEFAULT_INBOX_CONSUMER_OPTIONS.clientId,
    mode,
    batchSize,
    concurrency,
    commitIntervalMs,
    fromBeginning: options.fromBeginning ?? DEFAULT_INBOX_CONSUMER_OPTIONS.fromBeginning,
    handlers,
    topics: [...handlers.keys()],
    messageId: options.messageId,
    policy: resolveReconsumePolicy(options.retry),
    retryTopic,
    deadLetterTopic,
    retention,
    transaction: { ...options.transaction },
    partitionsConsumedConcurrently,
    consumer: { ...DEFAULT_INBOX_CONSUMER_OPTIONS.consumer, ...options.consumer },
    createTopics: options.createTopics ?? DEFAULT_INBOX_CONSUMER_OPTIONS.createTopics,
    restart,
    logger: options.logger ?? options.outbox.settings.logger,
  };
}

/** Longest delay a Node.js timer keeps (2^31 - 1 ms, about 24.8 days); a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

function milliseconds(setting: string, value: unknown, min: number): number {
  const ms = positiveInteger(setting, value, { min });
  if (ms > MAX_TIMER_MS) throw new InvalidConfigError(setting, `must be at most ${MAX_TIMER_MS} ms (about 24 days; a longer timer fires at once), got ${ms}`);
  return ms;
}

function optionalFunction(setting: string, value: unknown, what: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidConfigError(setting, `must be ${what}, got ${describeError(value, 100)} (${typeof value}); leave it out for the default`);
  }
}

function checkTopic(setting: string, topic: string, note: string): void {
  const problem = topicNameProblem(topic);
  if (problem) throw new InvalidConfigError(setting, `"${topic}"${note} ${problem}`);
}

function resolveRetention(retention: InboxConsumerOptions['retention']): ResolvedInboxConsumerSettings['retention'] {
  if (retention === false) return false;
  if (retention !== undefined && (typeof retention !== 'object' || retention === null)) {
    throw new InvalidConfigError('retention', `must be an object ({ windowMs, intervalMs, … }) or false, got ${describeError(retention, 100)}`);
  }
  return {
    windowMs: positiveInteger('retention.windowMs', retention?.windowMs ?? DEFAULT_INBOX_RETENTION.windowMs),
    batchSize: positiveInteger('retention.batchSize', retention?.batchSize ?? DEFAULT_INBOX_RETENTION.batchSize),
    maxBatches: positiveInteger('retention.maxBatches', retention?.maxBatches ?? DEFAULT_INBOX_RETENTION.maxBatches),
    intervalMs: milliseconds('retention.intervalMs', retention?.intervalMs ?? DEFAULT_INBOX_CONSUMER_OPTIONS.retentionIntervalMs, 1),
  };
}

function resolveRestart(restart: InboxConsumerRestartOptions | undefined): Required<InboxConsumerRestartOptions> {
  const defaults = DEFAULT_INBOX_CONSUMER_OPTIONS.restart;
  const resolved = {
    retries: positiveInteger('restart.retries', restart?.retries ?? defaults.retries, { min: 0 }),
    initialDelayMs: milliseconds('restart.initialDelayMs', restart?.initialDelayMs ?? defaults.initialDelayMs, 0),
    maxDelayMs: milliseconds('restart.maxDelayMs', restart?.maxDelayMs ?? defaults.maxDelayMs, 0),
  };
  if (resolved.maxDelayMs < resolved.initialDelayMs) {
    throw new InvalidConfigError('restart.maxDelayMs', `(${resolved.maxDelayMs}) must not be below restart.initialDelayMs (${resolved.initialDelayMs})`);
  }
  return resolved;
}

function resolveHandlers(options: InboxConsumerOptions, decode: ValueDecoder): Map<string, ResolvedHandler> {
  const definitions: InboxHandlerDefinition[] = [...(options.handlers ?? [])];
  if (options.handler || options.topics) {
    if (!options.handler || !options.topics || options.topics.length === 0) {
      throw new InvalidConfigError('handler', 'and `topics` go together: one handler for the listed topics');
    }
    definitions.push({ topic: options.topics, handle: options.handler, name: options.handler.name || 'handler' });
  }
  const handlers = new Map<string, ResolvedHandler>();
  for (const definition of definitions) {
    if (definition.consumerGroup && definition.consumerGroup !== options.groupId) continue;
    if (typeof definition.handle !== 'function') throw new InvalidConfigError('handlers', `${definition.name ?? 'a handler'} has no handle function`);
    optionalFunction(`handlers.${definition.name ?? 'handler'}.decode`, definition.decode, 'a decoder (record) => value');
    for (const topic of handlerTopics(definition)) {
      const existing = handlers.get(topic);
      if (existing) {
        throw new InvalidConfigError('handlers', `topic "${topic}" has two handlers (${existing.definition.name ?? '?'} and ${definition.name ?? '?'}); give each topic one`);
      }
      handlers.set(topic, { definition, decode: definition.decode ?? decode });
    }
  }
  if (handlers.size === 0) {
    throw new InvalidConfigError('handlers', `none for consumer group "${options.groupId}": pass handlers, or topics with a handler`);
  }
  return handlers;
}
