// The test topic helper (test/support/kafka.ts → scripts/kafka/create-topic.mjs) that every suite
// uses: a topic it created is usable at once, even while the broker is busy deleting topics — when
// a KRaft broker answers "This server does not host this topic-partition" for a while after a
// creation, which kafkajs's createTopics({ waitForLeaders }) did not survive (a flake of
// relay-ordering.test.ts under load).
import { describe, expect, it } from 'vitest';
import { createTopic, kafkaClient } from '@outboxkit/test-support/kafka';
import { uniqueName } from '@outboxkit/test-support/servers';

describe('createTopic', () => {
  it('returns only when every partition has a leader, while the broker deletes other topics', async () => {
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      const doomed = Array.from({ length: 20 }, () => uniqueName('ok.doomed'));
      await Promise.all(doomed.map((topic) => createTopic(topic, 8)));
      const topics = Array.from({ length: 30 }, () => uniqueName('ok.topic'));
      const deleting = admin.deleteTopics({ topics: doomed, timeout: 60_000 });
      const created = await Promise.allSettled(topics.map((topic) => createTopic(topic, 6)));
      await deleting;
      expect(created.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);

      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      expect(metadata).toHaveLength(topics.length);
      for (const topic of metadata) {
        expect(topic.partitions).toHaveLength(6);
        expect(topic.partitions.every((p) => p.leader >= 0)).toBe(true);
      }
      await admin.deleteTopics({ topics, timeout: 60_000 });
    } finally {
      await admin.disconnect();
    }
  });

  it('takes a topic that exists already, and topic configuration', async () => {
    const topic = uniqueName('ok.topic');
    await createTopic(topic, 2, { configEntries: [{ name: 'max.message.bytes', value: '20000' }] });
    await createTopic(topic, 2);
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: ['max.message.bytes'] }], includeSynonyms: false });
      expect(resources[0]!.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue).toBe('20000');
    } finally {
      await admin.disconnect();
    }
  });
});
