// Topic housekeeping for the benchmark: fresh topics per run, record counts to check every
// message arrived, and deleting topics that are no longer needed (they are large).
import { Kafka, logLevel } from 'kafkajs';

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

export async function createTopic(brokers, topic, partitions) {
  await withAdmin(brokers, (admin) =>
    admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true }),
  );
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
