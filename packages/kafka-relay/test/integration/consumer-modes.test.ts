import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  collectInboxHandlers,
  defineInboxHandler,
  InboxHandler,
  pruneInbox,
  silentLogger,
  type ConsumedRecord,
  type InboxHandlerContext,
} from '@outboxkit/core';
import { HEADERS } from '@outboxkit/core/internal';
import { createInboxConsumer, type CommittedRecord, type InboxConsumer, type InboxConsumerMode } from '@outboxkit/kafka-relay';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { createTopic } from '@outboxkit/test-support/kafka';
import { produce, useConsumerTestDatabase, waitFor, writeEffect, type RawRecord } from './consumer-harness.js';

const db = useConsumerTestDatabase('ok_consumer_modes');

/** For records of other producers: the order id in the payload, if there is one. */
const orderIdOf = (record: ConsumedRecord) => {
  try {
    return (JSON.parse(String(record.message.value)) as { orderId?: string }).orderId;
  } catch {
    return undefined;
  }
};

async function insertReceipts(group: string, count: number, age: string): Promise<void> {
  for (let n = 0; n < count; n += 1) {
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO inbox_message (consumer_group, message_id, received_at) VALUES ($1, $2, now() - $3::interval)`,
      group,
      randomUUID(),
      age,
    );
  }
}

describe('batch mode and per-message mode', () => {
  it('give the same effects on the same input, duplicates within one batch included', async () => {
    const topic = uniqueName('ok.modes');
    await createTopic(topic, 1);
    const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const input: RawRecord[] = [
      { key: 'a', value: JSON.stringify({ sku: 'a', qty: 1 }), headers: { [HEADERS.messageId]: a } },
      { key: 'a', value: JSON.stringify({ sku: 'a', qty: 1 }), headers: { [HEADERS.messageId]: a } }, // redelivered within the batch
      { key: 'b', value: JSON.stringify({ sku: 'b', qty: 2 }), headers: { [HEADERS.messageId]: b } },
      { key: 'x', value: JSON.stringify({ orderId: 'ext-1', qty: 3 }) }, // another producer: id by extractor
      { key: 'x', value: JSON.stringify({ orderId: 'ext-1', qty: 3 }) }, // its duplicate
      { key: 'y', value: JSON.stringify({ anonymous: true }) }, // no id at all: topic/partition/offset
      { key: 'c', value: JSON.stringify({ sku: 'c', qty: 4 }), headers: { [HEADERS.messageId]: c } }, // fails once
      { key: 'd', value: JSON.stringify({ sku: 'd', qty: 5 }), headers: { [HEADERS.messageId]: d } },
    ];
    await produce(topic, input);

    // Decorator form for one consumer, plain-function form for the other.
    const failedOnce = new Set<string>();
    const handle = async (label: InboxConsumerMode, ctx: InboxHandlerContext) => {
      if (ctx.messageId === c && !failedOnce.has(label)) {
        failedOnce.add(label);
        throw new Error('first attempt fails');
      }
      await writeEffect(label, ctx);
    };
    class OrderHandlers {
      @InboxHandler({ topic })
      async onOrder(ctx: InboxHandlerContext) {
        await handle('batch', ctx);
      }
    }
    const forms: Record<InboxConsumerMode, ReturnType<typeof collectInboxHandlers>> = {
      batch: collectInboxHandlers(new OrderHandlers()),
      message: [defineInboxHandler({ topic, handle: (ctx: InboxHandlerContext) => handle('message', ctx) })],
    };
    const committed: Record<InboxConsumerMode, CommittedRecord[][]> = { batch: [], message: [] };
    const consumers: InboxConsumer[] = [];
    const oldGroup = uniqueName('batch');
    await insertReceipts(oldGroup, 5, '2 days');
    await insertReceipts(oldGroup, 2, '1 minute');
    try {
      for (const mode of ['batch', 'message'] as const) {
        const consumer = createInboxConsumer({
          outbox: db.outbox,
          brokers: kafkaBrokers(),
          groupId: mode === 'batch' ? oldGroup : uniqueName(mode),
          mode,
          handlers: forms[mode],
          messageId: orderIdOf,
          fromBeginning: true,
          retry: { delayLevels: [100], firstDelayLevel: 1 },
          // The batch consumer also prunes its group's receipts older than a day, two per statement.
          retention: mode === 'batch' ? { windowMs: 86_400_000, batchSize: 2, intervalMs: 60_000 } : false,
          consumer: { maxWaitTimeInMs: 100, sessionTimeout: 6_000, heartbeatInterval: 500 },
          logger: silentLogger,
        });
        consumer.events.on('consumer:committed', ({ records }) => committed[mode].push(records));
        consumers.push(consumer);
      }
      await Promise.all(consumers.map((consumer) => consumer.start()));
      await waitFor(async () => (await db.effects('batch')).length >= 6 && (await db.effects('message')).length >= 6, 'both consumers');
      await waitFor(() => consumers.every((consumer) => consumer.stats.processed === 6), 'the last commits');
    } finally {
      await Promise.all(consumers.map((consumer) => consumer.stop()));
    }

    const view = async (mode: InboxConsumerMode) =>
      (await db.effects(mode)).map((e) => ({ id: e.message_id, payload: e.payload })).sort((x, y) => x.id.localeCompare(y.id));
    const batchEffects = await view('batch');
    expect(batchEffects).toEqual(await view('message'));
    expect(batchEffects.map((e) => e.id).sort()).toEqual([a, b, c, d, 'ext-1', `${topic}/0/5`].sort());
    for (const consumer of consumers) expect(consumer.stats).toMatchObject({ processed: 6, duplicates: 2, retried: 1, deadLettered: 0 });

    // Batch mode deduped the duplicate within one transaction; message mode used one per record.
    const firstBatch = committed.batch.find((records) => records.some((r) => r.messageId === a))!;
    expect(firstBatch.map((r) => `${r.messageId === a ? 'a' : r.messageId}:${r.result}`)).toContain('a:duplicate');
    expect(firstBatch.length).toBeGreaterThan(1);
    expect(committed.message.every((records) => records.length === 1)).toBe(true);

    // Only the batch group's receipts older than the window were pruned; its six new ones and two recent ones stay.
    expect(await db.prisma.inboxMessage.count({ where: { consumerGroup: oldGroup } })).toBe(6 + 2);
  });
});

describe('inbox retention', () => {
  it('prunes receipts older than the window in bounded batches, per group', async () => {
    const group = uniqueName('prune');
    const other = uniqueName('prune_other');
    await insertReceipts(group, 5, '8 days');
    await insertReceipts(group, 3, '1 hour');
    await insertReceipts(other, 2, '8 days');

    const bounded = await pruneInbox(db.outbox, { windowMs: 7 * 86_400_000, batchSize: 2, maxBatches: 2, consumerGroup: group });
    expect(bounded).toEqual({ deleted: 4, batches: 2, truncated: true });
    const rest = await pruneInbox(db.outbox, { windowMs: 7 * 86_400_000, batchSize: 2, consumerGroup: group });
    expect(rest).toEqual({ deleted: 1, batches: 1, truncated: false });

    expect(await db.prisma.inboxMessage.count({ where: { consumerGroup: group } })).toBe(3);
    expect(await db.prisma.inboxMessage.count({ where: { consumerGroup: other } })).toBe(2);
  });
});
