import type { Admin } from 'kafkajs';
import { isRetriableKafkaError } from '../broker-errors.js';

type TopicOffsets = Awaited<ReturnType<Admin['fetchTopicOffsets']>>;

/** How long fetchTopicOffsetsRetrying keeps trying a broker that answers with a retriable error. */
const OFFSETS_WAIT_MS = 30_000;

/**
 * `admin.fetchTopicOffsets(topic)`, tried again on what a broker answers for a moment after a
 * topic's creation or a leader move. kafkajs gives up at once on NOT_LEADER_OR_FOLLOWER ("This
 * server is not the leader for that topic-partition") in this call and does not refresh its
 * metadata; here the metadata is refreshed and the call repeated, with backoff, until
 * OFFSETS_WAIT_MS has passed.
 */
export async function fetchTopicOffsetsRetrying(admin: Admin, topic: string, waitMs = OFFSETS_WAIT_MS): Promise<TopicOffsets> {
  const deadline = Date.now() + waitMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (!isRetriableKafkaError(error) || Date.now() + delay > deadline) throw error;
      await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
