import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { send, silentLogger } from '@outboxkit/core';
import { HEADERS } from '@outboxkit/core/internal';
import { Relay } from '@outboxkit/kafka-relay';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { createTopic, readTopic, topicRecordCount, waitForRecordCount } from '@outboxkit/test-support/kafka';
import { startRelayProcess } from '@outboxkit/test-support/relay-process';
import { waitFor } from '@outboxkit/test-support/wait';

const { database, prisma, outbox } = useRelayFixture({ prefix: 'ok_relay' });


describe('Relay on PostgreSQL and Kafka', () => {
  it('publishes a committed message exactly once with key, value and the message-id header', async () => {
    const topic = uniqueName('ok.commit');
    await createTopic(topic);
    const relay = new Relay({ databaseUrl: database.url, brokers: kafkaBrokers(), logger: silentLogger });
    await relay.start();
    try {
      const key = randomUUID();
      const id = await outbox.transaction(async () =>
        send({ topic, key, value: { orderId: key, total: 3 }, type: 'OrderCreated', headers: { tenant: 'acme' } }),
      );
      await waitFor(async () => (await prisma.outboxMessage.findUniqueOrThrow({ where: { id } })).status === 'PUBLISHED');
      await waitForRecordCount(topic, 1);
      const records = await readTopic(topic);
      expect(records).toHaveLength(1);
      const [record] = records;
      expect(record!.key).toBe(key);
      expect(JSON.parse(record!.value!)).toEqual({ orderId: key, total: 3 });
      expect(record!.headers[HEADERS.messageId]).toBe(id);
      expect(record!.headers[HEADERS.messageType]).toBe('OrderCreated');
      expect(record!.headers.tenant).toBe('acme');
      expect(Date.parse(record!.headers[HEADERS.createdAt]!)).not.toBeNaN();
    } finally {
      await relay.stop();
    }
  });

  it('never publishes a rolled-back message', async () => {
    const topic = uniqueName('ok.rollback');
    const relay = new Relay({ databaseUrl: database.url, brokers: kafkaBrokers(), logger: silentLogger });
    await relay.start();
    try {
      const key = randomUUID();
      await expect(
        outbox.transaction(async () => {
          send({ topic, key, value: { doomed: true } });
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      // A committed marker message on another topic proves the relay ran past the rolled-back one.
      const markerTopic = uniqueName('ok.marker');
      const marker = await outbox.transaction(async () => send({ topic: markerTopic, value: 1 }));
      await waitFor(async () => (await prisma.outboxMessage.findUniqueOrThrow({ where: { id: marker } })).status === 'PUBLISHED');
      expect(await prisma.outboxMessage.count({ where: { key } })).toBe(0);
      expect(await topicRecordCount(topic)).toBe(0);
    } finally {
      await relay.stop();
    }
  });

  it('loses nothing when the relay process is SIGKILLed mid-stream and restarted', async () => {
    const topic = uniqueName('ok.crash');
    await createTopic(topic, 3);
    const total = 3000;
    const env = {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      OUTBOX_BATCH_SIZE: '25',
      // A short lease, so the second relay takes over the killed one's partitions quickly.
      OUTBOX_LEASE_MS: '3000',
    };
    const first = startRelayProcess(env);
    await first.ready;

    const committed: string[] = [];
    const writer = (async () => {
      for (let t = 0; t < total / 10; t += 1) {
        const ids = await outbox.transaction(async () =>
          Array.from({ length: 10 }, (_, n) => send({ topic, key: `k${(t * 10 + n) % 17}`, value: { t, n } })),
        );
        committed.push(...ids);
      }
    })();

    // Kill while some, but not all, messages of this topic are published.
    await waitFor(async () => (await prisma.outboxMessage.count({ where: { topic, status: 'PUBLISHED' } })) >= 300, 60_000, 'first publications');
    first.child.kill('SIGKILL');
    const { signal } = await first.exited;
    expect(signal).toBe('SIGKILL');
    const publishedAtKill = await prisma.outboxMessage.count({ where: { topic, status: 'PUBLISHED' } });
    await writer;
    expect(committed).toHaveLength(total);
    expect(publishedAtKill).toBeLessThan(total);

    const second = startRelayProcess(env);
    await second.ready;
    try {
      await waitFor(async () => (await prisma.outboxMessage.count({ where: { topic, status: 'READY' } })) === 0, 60_000, 'drain');
    } finally {
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    }

    const records = await readTopic(topic);
    const seen = new Set(records.map((r) => r.headers[HEADERS.messageId]));
    const missing = committed.filter((id) => !seen.has(id));
    expect(missing).toEqual([]);
    // Nothing foreign: every record is one of ours (a crash may duplicate, never invent).
    expect([...seen].every((id) => committed.includes(id!))).toBe(true);
  });
});
