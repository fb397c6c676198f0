import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NonRetryableError, type InboxHandlerContext } from '@outboxkit/core';
import { CONSUMER_HEADERS, HEADERS } from '@outboxkit/core/internal';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { createTopic, waitForRecordCount } from '@outboxkit/test-support/kafka';
import { produce, readRecords, runNode, useConsumerTestDatabase, useInboxConsumers, waitFor, writeEffect } from './consumer-harness.js';

const RELAY_BIN = fileURLToPath(new URL('../../bin/outbox-relay.js', import.meta.url));

const db = useConsumerTestDatabase('ok_consumer_retry');
const { startConsumer } = useInboxConsumers(db);

const withId = (id: string, value: unknown) => ({ key: id, value: JSON.stringify(value), headers: { [HEADERS.messageId]: id } });

describe('inbox consumer retries and dead letters', () => {
  it('retries a handler that fails twice through the retry topic, without blocking the partition; effect once', async () => {
    const topic = uniqueName('ok.retry');
    const groupId = uniqueName('retry');
    await createTopic(topic, 1);
    const flaky = randomUUID();
    const steady = randomUUID();
    await produce(topic, [withId(flaky, { n: 'flaky' }), withId(steady, { n: 'steady' })]);
    const calls: Array<{ id: string; attempt: number; at: number }> = [];
    const consumer = await startConsumer({
      groupId,
      topics: [topic],
      retry: { delayLevels: [150, 300, 450], firstDelayLevel: 1, maxReconsumeTimes: 5 },
      handler: async (ctx: InboxHandlerContext) => {
        calls.push({ id: ctx.messageId, attempt: ctx.attempt, at: Date.now() });
        if (ctx.messageId === flaky && ctx.attempt <= 2) throw new Error(`transient failure ${ctx.attempt}`);
        await writeEffect('retry', ctx);
      },
    });
    await waitFor(async () => (await db.effects('retry')).length === 2, 'both effects');

    const effects = await db.effects('retry');
    // The steady record behind the failing one was not held up by its retries.
    expect(effects.map((e) => [e.message_id, e.attempt])).toEqual([
      [steady, 1],
      [flaky, 3],
    ]);
    const flakyCalls = calls.filter((c) => c.id === flaky);
    expect(flakyCalls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    // Level 1 (150 ms) before the 2nd attempt, level 2 (300 ms) before the 3rd.
    expect(flakyCalls[1]!.at - flakyCalls[0]!.at).toBeGreaterThanOrEqual(140);
    expect(flakyCalls[2]!.at - flakyCalls[1]!.at).toBeGreaterThanOrEqual(290);
    expect(consumer.stats).toMatchObject({ processed: 2, retried: 2, deadLettered: 0 });

    // The attempts are visible on the retry topic's records.
    const retries = await readRecords(consumer.settings.retryTopic);
    expect(retries.map((r) => r.headers[CONSUMER_HEADERS.reconsumeTimes]).sort()).toEqual(['1', '2']);
    for (const record of retries) {
      expect(record.headers[HEADERS.messageId]).toBe(flaky);
      expect(record.headers[CONSUMER_HEADERS.originalTopic]).toBe(topic);
      expect(record.headers[CONSUMER_HEADERS.originalOffset]).toBe('0');
      expect(record.headers[CONSUMER_HEADERS.errorMessage]).toMatch(/^transient failure [12]$/);
      expect(Date.parse(record.headers[CONSUMER_HEADERS.dueAt]!)).not.toBeNaN();
      expect(record.partition).toBe(Number(record.headers[CONSUMER_HEADERS.delayLevel]) - 1);
      expect(JSON.parse(record.value!)).toEqual({ n: 'flaky' });
    }
    expect(await db.prisma.inboxMessage.count({ where: { consumerGroup: groupId } })).toBe(2);
  });

  it('dead-letters a handler that always fails after maxReconsumeTimes; the replay CLI puts it back and the fixed handler applies it once', async () => {
    const topic = uniqueName('ok.dlq');
    const groupId = uniqueName('dlq');
    await createTopic(topic, 1);
    const doomed = randomUUID();
    const refused = randomUUID();
    const fine = randomUUID();
    const startedAt = new Date(Date.now() - 1_000);
    await produce(topic, [withId(doomed, { n: 'doomed' }), withId(refused, { n: 'refused' }), withId(fine, { n: 'fine' })]);
    const calls = new Map<string, number>();
    const broken = await startConsumer({
      groupId,
      topics: [topic],
      retry: { delayLevels: [100, 200], firstDelayLevel: 1, maxReconsumeTimes: 2 },
      handler: async (ctx: InboxHandlerContext) => {
        calls.set(ctx.messageId, (calls.get(ctx.messageId) ?? 0) + 1);
        if (ctx.messageId === doomed) throw new Error('inventory service down');
        if (ctx.messageId === refused) throw new NonRetryableError('unknown sku');
        await writeEffect('broken', ctx);
      },
    });
    const dlq = broken.settings.deadLetterTopic;
    expect(dlq).toBe(`${groupId}.DLQ`);
    await waitForRecordCount(dlq, 2, 30_000);
    await broken.stop();

    // 1 delivery + 2 reconsumes for the retryable error, 1 for the non-retryable one.
    expect(Object.fromEntries(calls)).toEqual({ [doomed]: 3, [refused]: 1, [fine]: 1 });
    const deadLetters = await readRecords(dlq);
    const byId = new Map(deadLetters.map((r) => [r.headers[HEADERS.messageId], r]));
    const exhausted = byId.get(doomed)!;
    expect(exhausted.headers).toMatchObject({
      [CONSUMER_HEADERS.deadLetterReason]: 'max-reconsume-times',
      [CONSUMER_HEADERS.reconsumeTimes]: '2',
      [CONSUMER_HEADERS.errorName]: 'Error',
      [CONSUMER_HEADERS.errorMessage]: 'inventory service down',
      [CONSUMER_HEADERS.consumerGroup]: groupId,
      [CONSUMER_HEADERS.originalTopic]: topic,
      [CONSUMER_HEADERS.originalPartition]: '0',
      [CONSUMER_HEADERS.originalOffset]: '0',
    });
    expect(exhausted.headers[CONSUMER_HEADERS.errorStack]).toMatch(/^Error: inventory service down\nat /);
    expect(JSON.parse(exhausted.value!)).toEqual({ n: 'doomed' });
    expect(exhausted.key).toBe(doomed);
    expect(byId.get(refused)!.headers).toMatchObject({
      [CONSUMER_HEADERS.deadLetterReason]: 'non-retryable',
      [CONSUMER_HEADERS.reconsumeTimes]: '0',
      [CONSUMER_HEADERS.errorCode]: 'OUTBOX_NON_RETRYABLE',
      [CONSUMER_HEADERS.originalOffset]: '1',
    });
    expect((await db.effects('broken')).map((e) => e.message_id)).toEqual([fine]);

    // The handler is fixed (a new deployment of the same group); the operator replays one dead letter by id.
    const fixed = await startConsumer({ groupId, topics: [topic], handler: (ctx: InboxHandlerContext) => writeEffect('fixed', ctx) });
    const env = { KAFKA_BROKERS: kafkaBrokers().join(','), OUTBOX_LOG_LEVEL: 'silent' };
    const byIdReplay = runNode(RELAY_BIN, ['replay', '--group', groupId, '--id', doomed], env);
    expect((await byIdReplay.exited).code, byIdReplay.output()).toBe(0);
    expect(byIdReplay.lines().at(-1)).toMatchObject({ event: 'replay:done', scanned: 2, replayed: 1, records: [{ messageId: doomed, topic }] });
    await waitFor(async () => (await db.effects('fixed')).length === 1, 'the replayed record to be applied');

    // A second, time-ranged replay sends both again: the already-applied one is a duplicate.
    const rangeReplay = runNode(RELAY_BIN, ['replay', '--group', groupId, '--from', startedAt.toISOString(), '--to', String(Date.now() + 60_000)], env);
    expect((await rangeReplay.exited).code, rangeReplay.output()).toBe(0);
    expect(rangeReplay.lines().at(-1)).toMatchObject({ replayed: 2 });
    await waitFor(() => fixed.stats.duplicates >= 1 && fixed.stats.processed >= 2, 'the second replay to be consumed');

    const effects = await db.effects('fixed');
    expect(effects.map((e) => e.message_id).sort()).toEqual([doomed, refused].sort());
    expect(await db.prisma.inboxMessage.count({ where: { consumerGroup: groupId } })).toBe(3);
  });

  it('dead-letters an undecodable payload at once and keeps the partition flowing', async () => {
    const topic = uniqueName('ok.undecodable');
    const groupId = uniqueName('undecodable');
    await createTopic(topic, 1);
    const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await produce(topic, [
      withId(ids[0]!, { n: 0 }),
      { key: ids[1]!, value: '{"n": 1, oops', headers: { [HEADERS.messageId]: ids[1]! } },
      withId(ids[2]!, { n: 2 }),
      withId(ids[3]!, { n: 3 }),
    ]);
    const consumer = await startConsumer({ groupId, topics: [topic], handler: (ctx: InboxHandlerContext) => writeEffect('undecodable', ctx) });
    await waitFor(async () => (await db.effects('undecodable')).length === 3, 'the records after the bad one');
    await waitForRecordCount(consumer.settings.deadLetterTopic, 1);

    expect((await db.effects('undecodable')).map((e) => e.message_id)).toEqual([ids[0], ids[2], ids[3]]);
    const [dead] = await readRecords(consumer.settings.deadLetterTopic);
    expect(dead!.value).toBe('{"n": 1, oops');
    expect(dead!.headers).toMatchObject({
      [HEADERS.messageId]: ids[1],
      [CONSUMER_HEADERS.deadLetterReason]: 'undecodable',
      [CONSUMER_HEADERS.errorName]: 'MessageDecodeError',
      [CONSUMER_HEADERS.errorCode]: 'OUTBOX_MESSAGE_DECODE',
      [CONSUMER_HEADERS.originalOffset]: '1',
    });
    expect(consumer.stats).toMatchObject({ processed: 3, deadLettered: 1, retried: 0 });
    // No receipt for the dead letter: a replay after a decoder fix will be processed.
    expect(await db.prisma.inboxMessage.count({ where: { consumerGroup: groupId } })).toBe(3);
  });
});
