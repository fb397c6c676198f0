import { randomBytes } from 'node:crypto';
import {
  InvalidConfigError,
  silentLogger,
  type ConsumedRecord,
  type Logger,
} from '@outboxkit/core';
import {
  CONSUMER_HEADERS,
  deadLetterTopicFor,
  headerValue,
  HEADERS,
  replayHeaders,
} from '@outboxkit/core/internal';
import type { Kafka, KafkaMessage, Message } from 'kafkajs';
import { sendBatchCompletely, TrackedPartitioner } from '../complete-send.js';
import { kafkaClient, type KafkaConnectionOptions } from '../kafka-connection.js';
import { explainKafkaError } from '../kafka-errors.js';
import { fetchTopicOffsetsRetrying } from './topic-offsets.js';

export interface ReplayDeadLettersOptions {
  /** A kafkajs client (then every `kafkaConnection` setting but `compression` stays unset). Either this or `brokers`. */
  kafka?: Kafka;
  brokers?: string[];
  /** TLS, SASL, timeouts and compression of the replay's client (docs/kafka-connection.md). Default: plaintext. */
  kafkaConnection?: KafkaConnectionOptions;
  /** The dead-letter topic to read. Either this or `groupId` (then `<groupId>.DLQ`). */
  deadLetterTopic?: string;
  groupId?: string;
  /** Replay only these records: matched on the message id or the dedupe key. */
  ids?: readonly string[];
  /** Replay only records dead-lettered at or after this time. */
  from?: Date;
  /** Replay only records dead-lettered before this time. */
  to?: Date;
  /** Replay every dead letter. Required when no id or time filter is given. */
  all?: boolean;
  /** Report what would be replayed, send nothing. */
  dryRun?: boolean;
  /** Longest to wait for the topic to be read, ms. Default 60,000. */
  timeoutMs?: number;
  logger?: Logger;
}

export interface ReplayedRecord {
  messageId: string;
  /** The original topic it was put back on. */
  topic: string;
  deadLetterPartition: number;
  deadLetterOffset: string;
  deadLetteredAt: string | undefined;
  reason: string | undefined;
}

export interface ReplayResult {
  deadLetterTopic: string;
  /** Dead letters read (the topic's content when the replay started). */
  scanned: number;
  replayed: ReplayedRecord[];
  /** Matched, but left out: no original topic header, or an id already replayed in this run. */
  skipped: number;
  dryRun: boolean;
}

/**
 * Puts dead letters back on their original topics: all of them, those with given ids, or those
 * dead-lettered in a time range. Key, value and headers go back as they were — the message id
 * and the original topic/partition/offset included, so the inbox still dedupes — minus the error
 * and retry headers; `outboxkit-replayed-at` is added. The topic is read up to the end it had when
 * the replay started; replaying twice is harmless (the inbox skips what was processed).
 */
export async function replayDeadLetters(options: ReplayDeadLettersOptions): Promise<ReplayResult> {
  const topic = options.deadLetterTopic ?? (options.groupId ? deadLetterTopicFor(options.groupId) : undefined);
  if (!topic) throw new InvalidConfigError('deadLetterTopic', 'or groupId is required');
  const ids = options.ids && options.ids.length > 0 ? new Set(options.ids) : undefined;
  if (!ids && !options.from && !options.to && !options.all) {
    throw new InvalidConfigError('all', 'must be set to replay every dead letter (or give ids, from or to)');
  }
  if (!options.kafka && (!options.brokers || options.brokers.length === 0)) throw new InvalidConfigError('brokers', 'is required');
  const logger = options.logger ?? silentLogger;
  const client = kafkaClient(options, { clientId: 'outbox-replay', retry: { retries: 5 } }, logger);
  try {
    return await replay(client.kafka, client.connection.compression, topic, ids, options, logger);
  } catch (error) {
    // A refused login or an untrusted certificate: KafkaAuthenticationError / KafkaTlsError, saying what to fix.
    throw explainKafkaError(error, client);
  }
}

async function replay(
  kafka: Kafka,
  compression: number,
  topic: string,
  ids: Set<string> | undefined,
  options: ReplayDeadLettersOptions,
  logger: Logger,
): Promise<ReplayResult> {
  const records = await readSnapshot(kafka, topic, options.timeoutMs ?? 60_000);
  const result: ReplayResult = { deadLetterTopic: topic, scanned: records.length, replayed: [], skipped: 0, dryRun: options.dryRun ?? false };
  const byTopic = new Map<string, Message[]>();
  const seen = new Set<string>();
  const now = Date.now();
  for (const record of records) {
    const messageId = headerValue(record, HEADERS.messageId) ?? headerValue(record, CONSUMER_HEADERS.dedupeKey);
    const dedupeKey = headerValue(record, CONSUMER_HEADERS.dedupeKey);
    if (ids && !(messageId && ids.has(messageId)) && !(dedupeKey && ids.has(dedupeKey))) continue;
    const deadAt = deadLetteredAt(record);
    if (options.from && deadAt < options.from.getTime()) continue;
    if (options.to && deadAt >= options.to.getTime()) continue;
    const originalTopic = headerValue(record, CONSUMER_HEADERS.originalTopic);
    const id = messageId ?? `${topic}/${record.partition}/${record.message.offset}`;
    if (!originalTopic || seen.has(id)) {
      result.skipped += 1;
      if (!originalTopic) logger.warn('dead letter without an original topic header; not replayed', { partition: record.partition, offset: record.message.offset });
      continue;
    }
    seen.add(id);
    result.replayed.push({
      messageId: id,
      topic: originalTopic,
      deadLetterPartition: record.partition,
      deadLetterOffset: record.message.offset,
      deadLetteredAt: headerValue(record, CONSUMER_HEADERS.deadLetterAt),
      reason: headerValue(record, CONSUMER_HEADERS.deadLetterReason),
    });
    const messages = byTopic.get(originalTopic) ?? [];
    messages.push({ key: record.message.key ?? null, value: record.message.value ?? null, headers: replayHeaders(record.message.headers, now) });
    byTopic.set(originalTopic, messages);
  }
  if (!result.dryRun && byTopic.size > 0) {
    // TrackedPartitioner + sendBatchCompletely: a record kafkajs's sendBatch would drop when a
    // partition leader moves mid-request is sent again, not reported replayed (complete-send.ts).
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: TrackedPartitioner });
    await producer.connect();
    try {
      await sendBatchCompletely(
        producer,
        { acks: -1, compression, topicMessages: [...byTopic].map(([target, messages]) => ({ topic: target, messages })) },
        { onUnsent: (unsent) => logger.warn('Kafka acknowledged the replay without some of its records; sending them again', { ...unsent }) },
      );
    } finally {
      await producer.disconnect();
    }
  }
  logger.info('dead letters replayed', { deadLetterTopic: topic, scanned: result.scanned, replayed: result.replayed.length, dryRun: result.dryRun });
  return result;
}

function deadLetteredAt(record: ConsumedRecord & { message: { timestamp?: string } }): number {
  const header = headerValue(record, CONSUMER_HEADERS.deadLetterAt);
  const parsed = header ? Date.parse(header) : Number.NaN;
  return Number.isNaN(parsed) ? Number(record.message.timestamp ?? 0) : parsed;
}

/** Every record the topic holds now, read with a throw-away consumer group that commits nothing. */
async function readSnapshot(kafka: Kafka, topic: string, timeoutMs: number): Promise<Array<ConsumedRecord & { message: KafkaMessage }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return [];
    const ends = new Map<number, bigint>();
    for (const { partition, high, low } of await fetchTopicOffsetsRetrying(admin, topic)) {
      if (BigInt(high) > BigInt(low)) ends.set(partition, BigInt(high));
    }
    if (ends.size === 0) return [];
    const groupId = `outboxkit-replay-${randomBytes(6).toString('hex')}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    const records: Array<ConsumedRecord & { message: KafkaMessage }> = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const remaining = new Set(ends.keys());
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = ends.get(batch.partition);
          if (end === undefined) return;
          for (const message of batch.messages) {
            if (BigInt(message.offset) < end) records.push({ topic, partition: batch.partition, message });
          }
          if (BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition);
          if (remaining.size === 0) done();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`read only part of ${topic} within ${timeoutMs} ms`)), timeoutMs);
      });
      await Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.message.offset) - BigInt(b.message.offset)));
  } finally {
    await admin.disconnect();
  }
}
