import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
// @ts-expect-error plain ESM helper shared with the examples, the demo and the benchmark
import { createTopic as createTopicAndWait, topicOffsets } from '../../scripts/kafka/create-topic.mjs';
import { kafkaBrokers, uniqueName } from './servers.js';

export function kafkaClient(): Kafka {
  return new Kafka({ clientId: uniqueName('test'), brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
}

export interface CreateTopicOptions {
  /** Another broker than the run's (a test's own, say). */
  brokers?: string[];
  configEntries?: Array<{ name: string; value: string }>;
  /** Replicas per partition (default 1); the cluster tests use one per node. */
  replicationFactor?: number;
}

/**
 * Creates a test topic; resolves once every partition has a leader in the broker's metadata (see
 * scripts/kafka/create-topic.mjs for why kafkajs's `waitForLeaders` is not enough). Every suite
 * creates its topics through this.
 */
export async function createTopic(topic: string, partitions = 3, options: CreateTopicOptions = {}): Promise<void> {
  await createTopicAndWait({
    brokers: options.brokers ?? kafkaBrokers(),
    topic,
    partitions,
    replicationFactor: options.replicationFactor ?? 1,
    configEntries: options.configEntries ?? [],
  });
}

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export function toReadRecord(partition: number, message: KafkaMessage): ReadRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? String(value[0]) : value.toString();
  }
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? null,
    headers,
  };
}

/**
 * Records on the topic right now (sum over partitions of high minus low watermark); 0 if it does
 * not exist. Retries what a broker answers around a topic's creation or a leader move
 * (scripts/kafka/create-topic.mjs topicOffsets).
 */
export async function topicRecordCount(topic: string, brokers: string[] = kafkaBrokers()): Promise<number> {
  const offsets = (await topicOffsets({ brokers, topic })) as Array<{ high: string; low: string }>;
  return offsets.reduce((sum, p) => sum + (Number(p.high) - Number(p.low)), 0);
}

/** Waits until the topic holds at least `count` records. */
export async function waitForRecordCount(topic: string, count: number, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    seen = await topicRecordCount(topic);
    if (seen >= count) return seen;
    await new Promise((r) => setTimeout(r, 200));
  }
  return seen;
}

/**
 * Reads every record the topic holds now, from the beginning, with a fresh consumer group.
 * The count comes from the broker's watermarks, so a missing or extra record cannot hide.
 */
export async function readTopic(topic: string, timeoutMs = 60_000): Promise<ReadRecord[]> {
  const total = await topicRecordCount(topic);
  if (total === 0) return [];
  const consumer = kafkaClient().consumer({ groupId: uniqueName('reader'), sessionTimeout: 10_000 });
  const records: ReadRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      records.push(toReadRecord(partition, message));
    },
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (records.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await consumer.disconnect();
  }
  if (records.length < total) throw new Error(`read ${records.length} of ${total} records of ${topic} before the timeout`);
  return records;
}
