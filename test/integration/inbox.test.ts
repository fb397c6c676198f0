// In the repository's tests rather than prisma-adapter's: it runs the Relay of @outboxkit/kafka-relay too,
// which the Prisma adapter does not depend on (.dependency-cruiser.cjs).
import { describe, expect, it } from 'vitest';
import { InboxMissingIdError, send, silentLogger, type ConsumedRecord } from '@outboxkit/core';
import { Relay } from '@outboxkit/kafka-relay';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { createTopic, kafkaClient, waitForRecordCount } from '@outboxkit/test-support/kafka';

const { database, prisma, outbox } = useRelayFixture({ prefix: 'ok_inbox' });

/** Consumes until `count` records were handled, never committing offsets (a crash before commit). */
async function consumeOnce(topic: string, groupId: string, count: number, handle: (record: ConsumedRecord) => Promise<void>) {
  const consumer = kafkaClient().consumer({ groupId, sessionTimeout: 10_000 });
  let handled = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async (payload) => {
      await handle(payload);
      handled += 1;
    },
  });
  const deadline = Date.now() + 60_000;
  while (handled < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await consumer.disconnect();
  return handled;
}

describe('Inbox on PostgreSQL and Kafka', () => {
  it('applies a handler effect once when Kafka redelivers the record', async () => {
    const topic = uniqueName('ok.inbox');
    await createTopic(topic, 1);
    await prisma.stockItem.create({ data: { sku: topic, available: 100 } });
    await outbox.transaction(async () => send({ topic, key: 'order-1', value: { sku: topic, quantity: 7 } }));
    const relay = new Relay({ databaseUrl: database.url, brokers: kafkaBrokers(), logger: silentLogger });
    await relay.start();
    await waitForRecordCount(topic, 1);
    await relay.stop();

    const inbox = outbox.inbox({ consumerGroup: 'inventory' });
    const groupId = uniqueName('inventory');
    const results: string[] = [];
    const handler = async (record: ConsumedRecord) => {
      results.push(
        await inbox.handle(record, async ({ tx }) => {
          const order = JSON.parse(String(record.message.value)) as { sku: string; quantity: number };
          await tx.stockItem.update({ where: { sku: order.sku }, data: { available: { decrement: order.quantity } } });
        }),
      );
    };
    // First delivery: handled, offset never committed. Second consumer of the same group: redelivered.
    expect(await consumeOnce(topic, groupId, 1, handler)).toBe(1);
    expect(await consumeOnce(topic, groupId, 1, handler)).toBe(1);

    expect(results).toEqual(['processed', 'duplicate']);
    expect(inbox.stats).toEqual({ processed: 1, duplicates: 1 });
    expect((await prisma.stockItem.findUniqueOrThrow({ where: { sku: topic } })).available).toBe(93);
    expect(await prisma.inboxMessage.count({ where: { consumerGroup: 'inventory' } })).toBe(1);
  });

  it('rolls the receipt back with the handler, so a failed handler is retried, not skipped', async () => {
    const inbox = outbox.inbox({ consumerGroup: 'flaky' });
    const record: ConsumedRecord = {
      topic: 't',
      partition: 0,
      message: { offset: '0', value: null, headers: { 'outboxkit-message-id': '0190d2a4-0000-7000-8000-000000000001' } },
    };
    await expect(inbox.handle(record, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await prisma.inboxMessage.count({ where: { consumerGroup: 'flaky' } })).toBe(0);
    expect(await inbox.handle(record, async () => undefined)).toBe('processed');
  });

  it('refuses a record without a message id with a typed error', async () => {
    const inbox = outbox.inbox({ consumerGroup: 'strict' });
    const record: ConsumedRecord = { topic: 't', partition: 0, message: { offset: '1', headers: {} } };
    await expect(inbox.handle(record, async () => undefined)).rejects.toBeInstanceOf(InboxMissingIdError);
  });
});
