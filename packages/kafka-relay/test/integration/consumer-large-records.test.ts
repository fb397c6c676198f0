import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigResourceTypes } from 'kafkajs';
import { NonRetryableError } from '@outboxkit/core';
import { HEADERS } from '@outboxkit/core/internal';
import { uniqueName } from '@outboxkit/test-support/servers';
import { createTopic, kafkaClient } from '@outboxkit/test-support/kafka';
import { produce, readRecords, useConsumerTestDatabase, useInboxConsumers, waitFor, writeEffect } from './consumer-harness.js';

/**
 * docs/guarantees.md §4.9: a record the broker accepted must be able to go the retry and
 * dead-letter way. Their copies carry more headers than the original (origin, error, stack), so a
 * record near the broker's size limit used to be refused there (MESSAGE_TOO_LARGE) and its
 * partition never moved again.
 */

/** The broker's default message.max.bytes (the largest record batch it takes). */
const BROKER_LIMIT = 1_048_588;
/** Room left for the batch and record framing and the message-id header: the original fits, a copy with error headers does not. */
const FRAMING = 400;

const db = useConsumerTestDatabase('ok_consumer_large');
const { startConsumer } = useInboxConsumers(db, { retry: { delayLevels: [100], firstDelayLevel: 1, maxReconsumeTimes: 1 } });

/** A record whose value fills the broker's limit but for FRAMING bytes. */
function largeRecord(id: string, n: string) {
  const prefix = JSON.stringify({ n, big: '' });
  const value = JSON.stringify({ n, big: 'x'.repeat(BROKER_LIMIT - FRAMING - prefix.length) });
  return { key: null, value, headers: { [HEADERS.messageId]: id } };
}

async function maxMessageBytes(topic: string): Promise<number> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
      includeSynonyms: false,
    });
    return Number(resources[0]!.configEntries.find((entry) => entry.configName === 'max.message.bytes')!.configValue);
  } finally {
    await admin.disconnect();
  }
}

describe('a record near the broker size limit', () => {
  it('goes to the retry topic and is applied on its retry; the records after it follow', async () => {
    const topic = uniqueName('ok.large.retry');
    await createTopic(topic, 1);
    const large = randomUUID();
    const after = randomUUID();
    await produce(topic, [largeRecord(large, 'large'), { key: null, value: JSON.stringify({ n: 'after' }), headers: { [HEADERS.messageId]: after } }]);
    let attempts = 0;
    const consumer = await startConsumer({
      groupId: uniqueName('large-retry'),
      topics: [topic],
      handler: async (ctx) => {
        if (ctx.messageId === large && (attempts += 1) === 1) throw new Error('the first attempt fails');
        await writeEffect('large-retry', ctx);
      },
    });
    await waitFor(async () => (await db.effects('large-retry')).length === 2, 'both records applied', 60_000);

    expect((await db.effects('large-retry')).map((e) => e.message_id).sort()).toEqual([large, after].sort());
    expect(consumer.stats).toMatchObject({ retried: 1, processed: 2, deadLettered: 0 });
    expect(await maxMessageBytes(consumer.settings.retryTopic)).toBeGreaterThan(BROKER_LIMIT);
  });

  it('goes to the dead-letter topic whole (value unchanged), and the partition moves on', async () => {
    const topic = uniqueName('ok.large.dlq');
    await createTopic(topic, 1);
    const large = randomUUID();
    const after = randomUUID();
    const original = largeRecord(large, 'refused');
    await produce(topic, [original, { key: null, value: JSON.stringify({ n: 'after' }), headers: { [HEADERS.messageId]: after } }]);
    const consumer = await startConsumer({
      groupId: uniqueName('large-dlq'),
      topics: [topic],
      handler: async (ctx) => {
        if (ctx.messageId === large) throw new NonRetryableError('refused on purpose');
        await writeEffect('large-dlq', ctx);
      },
    });
    await waitFor(async () => (await db.effects('large-dlq')).length === 1, 'the record after the large one', 60_000);
    await waitFor(() => consumer.stats.deadLettered === 1, 'the large record dead-lettered', 60_000);

    const [dead] = await readRecords(consumer.settings.deadLetterTopic, 60_000);
    expect(dead!.headers[HEADERS.messageId]).toBe(large);
    expect(dead!.value).toBe(original.value);
    expect(await maxMessageBytes(consumer.settings.deadLetterTopic)).toBeGreaterThan(BROKER_LIMIT);
  });
});
