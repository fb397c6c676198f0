// The one way tests, examples, the demo and the benchmark create a Kafka topic: created, and
// usable once this resolves.
import { Kafka, logLevel } from 'kafkajs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates `topic` (an existing one is fine) and resolves once the broker's metadata shows
 * `partitions` partitions, each with a leader. kafkajs's own `createTopics({ waitForLeaders })`
 * is not enough: a KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION ("This server does not host
 * this topic-partition") for a moment after the creation — for seconds while it deletes other
 * topics or the machine is loaded — and kafkajs retries only LEADER_NOT_AVAILABLE in that path,
 * so the call failed. Here every retriable error is retried until `timeoutMs`.
 *
 * Options: brokers (array or comma-separated), topic, partitions (default 3), replicationFactor
 * (default 1; on a cluster, also waits until every partition has that many replicas in sync),
 * configEntries, timeoutMs (default 60 s).
 */
export async function createTopic({ brokers, topic, partitions = 3, replicationFactor = 1, configEntries = [], timeoutMs = 60_000 }) {
  const list = Array.isArray(brokers) ? brokers : String(brokers).split(',');
  const admin = new Kafka({ clientId: `create-topic-${topic}`.slice(0, 200), brokers: list, logLevel: logLevel.NOTHING }).admin();
  const deadline = Date.now() + timeoutMs;
  const untilReady = async (what, attempt) => {
    let last;
    for (let delay = 50; Date.now() < deadline; delay = Math.min(delay * 2, 500)) {
      try {
        if (await attempt()) return;
        last = undefined;
      } catch (error) {
        if (!isRetriable(error)) throw error;
        last = error;
      }
      await sleep(delay);
    }
    throw new Error(`topic ${topic}: ${what} within ${timeoutMs} ms${last ? ` (last error: ${last.message})` : ''}`);
  };
  await admin.connect();
  try {
    await untilReady('not created', async () => {
      // Resolves false when the topic exists already: fine.
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries }], waitForLeaders: false });
      return true;
    });
    const inSync = replicationFactor > 1 ? ` and ${replicationFactor} replicas in sync` : '';
    await untilReady(`not every one of its ${partitions} partitions has a leader${inSync}`, async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const meta = topics.find((t) => t.name === topic);
      return (
        meta !== undefined &&
        meta.partitions.length === partitions &&
        meta.partitions.every((p) => p.leader >= 0 && p.isr.length >= replicationFactor)
      );
    });
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * The topic's partitions with their low and high watermarks (kafkajs's fetchTopicOffsets), or []
 * when the topic does not exist. kafkajs gives up at once on NOT_LEADER_OR_FOLLOWER ("This server
 * is not the leader for that topic-partition"), which a broker answers for a moment after a
 * topic's creation or a leader move; here the metadata is refreshed and the call tried again,
 * every retriable error until `timeoutMs`.
 */
export async function topicOffsets({ brokers, topic, timeoutMs = 60_000 }) {
  const list = Array.isArray(brokers) ? brokers : String(brokers).split(',');
  const admin = new Kafka({ clientId: `topic-offsets-${topic}`.slice(0, 200), brokers: list, logLevel: logLevel.NOTHING }).admin();
  const deadline = Date.now() + timeoutMs;
  await admin.connect();
  try {
    let last;
    for (let delay = 50; Date.now() < deadline; delay = Math.min(delay * 2, 500)) {
      try {
        if (!(await admin.listTopics()).includes(topic)) return [];
        return await admin.fetchTopicOffsets(topic);
      } catch (error) {
        if (!isRetriable(error)) throw error;
        last = error;
        await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => {});
      }
      await sleep(delay);
    }
    throw new Error(`topic ${topic}: no offsets within ${timeoutMs} ms (last error: ${last?.message})`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** kafkajs's errors that may succeed when tried again (its `retriable` flag, also on the cause of a retry's last error). */
function isRetriable(error) {
  for (let e = error, depth = 0; e && depth < 5; e = e.cause ?? e.originalError, depth += 1) {
    if (e.retriable === true) return true;
    if (e.name === 'KafkaJSConnectionError' || e.name === 'KafkaJSRequestTimeoutError') return true;
    if (e.name === 'KafkaJSAggregateError' && Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isRetriable)) return true;
  }
  return false;
}
