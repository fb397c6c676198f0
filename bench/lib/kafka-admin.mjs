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

/**
 * Creates the topic and waits until every partition has a leader. (kafkajs's own
 * `waitForLeaders` gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers for a
 * moment after creation, especially while it is deleting large topics; this retries instead.)
 */
export async function createTopic(brokers, topic, partitions, timeoutMs = 60_000) {
  await withAdmin(brokers, async (admin) => {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: false });
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        const meta = topics.find((t) => t.name === topic);
        if (meta && meta.partitions.length === partitions && meta.partitions.every((p) => p.leader >= 0)) return;
      } catch (error) {
        last = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`topic ${topic} has no leader for every partition after ${timeoutMs} ms${last ? `: ${last.message}` : ''}`);
  });
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
