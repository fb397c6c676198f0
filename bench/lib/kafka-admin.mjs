// Topic housekeeping for the benchmark: fresh topics per run, record counts to check every
// message arrived, and deleting topics that are no longer needed (they are large).
import { Kafka, logLevel } from 'kafkajs';
import { createTopic as createTopicAndWait } from '../../scripts/kafka/create-topic.mjs';

export function kafkaClient(brokers, clientId = 'outboxkit-bench') {
  return new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

export async function withAdmin(brokers, fn) {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Creates the topic and waits until every partition has a leader (scripts/kafka/create-topic.mjs). */
export function createTopic(brokers, topic, partitions, timeoutMs = 60_000) {
  return createTopicAndWait({ brokers, topic, partitions, timeoutMs });
}

/** Records on the topic (high − low watermark over its partitions). */
export async function topicRecordCount(brokers, topic) {
  return withAdmin(brokers, async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  });
}

export async function deleteTopics(brokers, topics) {
  if (topics.length === 0) return;
  await withAdmin(brokers, (admin) => admin.deleteTopics({ topics, timeout: 30_000 })).catch(() => {});
}

let counter = 0;
export function uniqueTopic(prefix) {
  counter += 1;
  return `bench.${prefix}.${Date.now().toString(36)}.${counter}`;
}
