import { describeError, InvalidConfigError, type Logger } from '@outboxkit/core';
import type { Admin, ITopicMetadata } from 'kafkajs';
import type { ResolvedInboxConsumerSettings } from './inbox-consumer-settings.js';

/**
 * Makes sure the group's retry topic (one partition per delay level) and dead-letter topic exist,
 * and returns how many partitions the retry topic has. An existing retry topic with fewer
 * partitions still works: levels then share partitions, and a record may wait behind a later-due
 * one (a warning says so).
 */
export async function ensureConsumerTopics(
  admin: Admin,
  settings: Pick<ResolvedInboxConsumerSettings, 'retryTopic' | 'deadLetterTopic' | 'policy' | 'createTopics'>,
  logger: Logger,
): Promise<{ retryPartitions: number }> {
  const levels = settings.policy.delayLevels.length;
  const existing = new Set(await admin.listTopics());
  const missing = [
    { topic: settings.retryTopic, numPartitions: levels },
    { topic: settings.deadLetterTopic, numPartitions: 1 },
  ].filter(({ topic }) => !existing.has(topic));
  if (missing.length > 0) {
    if (!settings.createTopics) {
      throw new InvalidConfigError('createTopics', `is false and ${missing.map((m) => m.topic).join(', ')} do not exist; create them first`);
    }
    try {
      await admin.createTopics({ topics: missing, waitForLeaders: false });
    } catch (error) {
      // Another consumer of the group may have created them first.
      if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
    }
  }
  const metadata = await untilLed(admin, [settings.retryTopic, settings.deadLetterTopic]);
  const retryPartitions = metadata.find((topic) => topic.name === settings.retryTopic)?.partitions.length ?? levels;
  if (retryPartitions < levels) {
    logger.warn('the retry topic has fewer partitions than delay levels; levels share partitions', {
      retryTopic: settings.retryTopic,
      partitions: retryPartitions,
      levels,
    });
  }
  return { retryPartitions };
}

/** How long the consumer's start waits for its retry and dead-letter topics to have leaders. */
const LEADER_WAIT_MS = 60_000;

/**
 * The topics' metadata once every partition has a leader. kafkajs's `createTopics({ waitForLeaders })`
 * fails instead: right after a creation a KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION ("This
 * server does not host this topic-partition") for a moment — seconds on a loaded machine — and
 * kafkajs retries only LEADER_NOT_AVAILABLE there. A consumer's start must not fail on that.
 */
async function untilLed(admin: Admin, topics: string[]): Promise<ITopicMetadata[]> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  let last: unknown;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      const led = topics.every((name) => {
        const topic = metadata.topics.find((t) => t.name === name);
        return topic !== undefined && topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0);
      });
      if (led) return metadata.topics;
      last = undefined;
    } catch (error) {
      if (!isRetriable(error)) throw error;
      last = error;
    }
    if (Date.now() + delay > deadline) {
      throw new Error(
        `the consumer's topics ${topics.join(', ')} have no leader on every partition after ${LEADER_WAIT_MS} ms` +
          `${last === undefined ? '' : ` (last error: ${describeError(last)})`}; check the brokers' health`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** kafkajs's errors that may succeed when tried again (its `retriable` flag, also on a wrapped cause). */
function isRetriable(error: unknown): boolean {
  let current = error as { retriable?: unknown; name?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth += 1) {
    if (current.retriable === true || current.name === 'KafkaJSConnectionError' || current.name === 'KafkaJSRequestTimeoutError') return true;
    current = current.cause as typeof current;
  }
  return false;
}
