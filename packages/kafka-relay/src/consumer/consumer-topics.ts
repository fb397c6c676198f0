import { InvalidConfigError, type Logger } from '@outboxkit/core';
import { describeError } from '@outboxkit/core/internal';
import kafkajs, { type Admin, type ITopicMetadata } from 'kafkajs';
import { isRetriableKafkaError } from '../broker-errors.js';
import type { ResolvedInboxConsumerSettings } from './inbox-consumer-settings.js';

// From the default export: Node.js does not see it as a named ESM export of kafkajs (CommonJS).
const { ConfigResourceTypes } = kafkajs;

/**
 * Makes sure the group's retry topic (one partition per delay level) and dead-letter topic exist,
 * and returns how many partitions the retry topic has. An existing retry topic with fewer
 * partitions still works: levels then share partitions, and a record may wait behind a later-due
 * one (a warning says so).
 *
 * Both are created able to hold any record of the group's topics plus the headers a copy adds
 * (copyTopicLimit): a record the broker accepted must be able to go the retry and dead-letter way
 * (docs/guarantees.md §4.9), or its partition would stop on MESSAGE_TOO_LARGE.
 */
export async function ensureConsumerTopics(
  admin: Admin,
  settings: Pick<ResolvedInboxConsumerSettings, 'topics' | 'retryTopic' | 'deadLetterTopic' | 'policy' | 'createTopics'>,
  logger: Logger,
): Promise<{ retryPartitions: number }> {
  const levels = settings.policy.delayLevels.length;
  const existing = new Set(await admin.listTopics());
  // Not the retry topic itself: its records are copies of the group's topics' (a retry's headers
  // replace the previous ones), so they need no more room than the first copy did.
  const copyLimit = await copyTopicLimit(admin, settings.topics, existing, logger);
  const configEntries = copyLimit === undefined ? [] : [{ name: 'max.message.bytes', value: String(copyLimit) }];
  const missing = [
    { topic: settings.retryTopic, numPartitions: levels, configEntries },
    { topic: settings.deadLetterTopic, numPartitions: 1, configEntries },
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
  if (copyLimit !== undefined) await warnOfSmallCopyTopics(admin, [settings.retryTopic, settings.deadLetterTopic].filter((topic) => existing.has(topic)), copyLimit, logger);
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

/**
 * Room a retry or dead-letter copy needs above its original: the headers it adds (origin,
 * consumer group, dedupe key, the error's message and a short stack, due time) come to a few KiB
 * (consumer-headers.ts bounds them); 64 KiB leaves a wide margin.
 */
const COPY_HEADROOM_BYTES = 64 * 1024;

const TOPIC_LIMIT = 'max.message.bytes';
const BROKER_LIMIT = 'message.max.bytes';

/**
 * The `max.message.bytes` the retry and dead-letter topics need: the largest record any of the
 * group's topics accepts (its own limit, or the broker's for a topic not created yet) plus the
 * copy's headers. Undefined when the limits cannot be read (no DescribeConfigs permission, say):
 * the topics then get the broker's default, and a warning says what that risks.
 */
async function copyTopicLimit(admin: Admin, sources: readonly string[], existing: ReadonlySet<string>, logger: Logger): Promise<number | undefined> {
  try {
    const { brokers } = await admin.describeCluster();
    const broker = brokers[0];
    if (broker === undefined) return undefined;
    const { resources } = await admin.describeConfigs({
      resources: [
        { type: ConfigResourceTypes.BROKER, name: String(broker.nodeId), configNames: [BROKER_LIMIT] },
        ...[...new Set(sources)].filter((topic) => existing.has(topic)).map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: [TOPIC_LIMIT] })),
      ],
      includeSynonyms: false,
    });
    const limits = resources
      .flatMap((resource) => resource.configEntries)
      .filter((entry) => entry.configName === TOPIC_LIMIT || entry.configName === BROKER_LIMIT)
      .map((entry) => Number(entry.configValue))
      .filter((limit) => Number.isSafeInteger(limit) && limit > 0);
    return limits.length === 0 ? undefined : Math.max(...limits) + COPY_HEADROOM_BYTES;
  } catch (error) {
    logger.warn("could not read the topics' size limits; the retry and dead-letter topics keep the broker's default, so a record near that limit cannot be retried or dead-lettered", {
      error: describeError(error),
    });
    return undefined;
  }
}

/**
 * Existing retry and dead-letter topics are not changed (kafkajs has only the AlterConfigs that
 * replaces every override of a topic): a warning names the setting and the command instead.
 */
async function warnOfSmallCopyTopics(admin: Admin, topics: readonly string[], needed: number, logger: Logger): Promise<void> {
  if (topics.length === 0) return;
  try {
    const { resources } = await admin.describeConfigs({
      resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: [TOPIC_LIMIT] })),
      includeSynonyms: false,
    });
    for (const resource of resources) {
      const limit = Number(resource.configEntries.find((entry) => entry.configName === TOPIC_LIMIT)?.configValue);
      if (!(limit < needed)) continue;
      logger.warn('a retry or dead-letter topic takes smaller records than the topics it copies; a record near their limit would stop its partition', {
        topic: resource.resourceName,
        maxMessageBytes: limit,
        needed,
        fix: `kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name ${resource.resourceName} --add-config ${TOPIC_LIMIT}=${needed}`,
      });
    }
  } catch (error) {
    logger.warn("could not read the retry and dead-letter topics' size limits", { error: describeError(error) });
  }
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
      if (!isRetriableKafkaError(error)) throw error;
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
