import { InvalidConfigError, type Logger } from '@outboxkit/core';
import type { Admin } from 'kafkajs';
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
      await admin.createTopics({ topics: missing, waitForLeaders: true });
    } catch (error) {
      // Another consumer of the group may have created them first.
      if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
    }
  }
  const metadata = await admin.fetchTopicMetadata({ topics: [settings.retryTopic] });
  const retryPartitions = metadata.topics[0]?.partitions.length ?? levels;
  if (retryPartitions < levels) {
    logger.warn('the retry topic has fewer partitions than delay levels; levels share partitions', {
      retryTopic: settings.retryTopic,
      partitions: retryPartitions,
      levels,
    });
  }
  return { retryPartitions };
}
