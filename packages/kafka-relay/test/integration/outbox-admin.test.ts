import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError, InvalidMessageIdError, send, silentLogger } from '@outboxkit/core';
import { CONSUMER_HEADERS, HEADERS } from '@outboxkit/core/internal';
import { createOutboxAdmin, Relay, type OutboxAdmin } from '@outboxkit/kafka-relay';
import { closeOutboxTestDatabase, openOutboxTestDatabase, type OutboxTestDatabase } from '@outboxkit/test-support/outbox-database';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { createTopic, kafkaClient, readTopic } from '@outboxkit/test-support/kafka';
import { startSilentServer } from '@outboxkit/test-support/silent-server';
import { waitFor } from '@outboxkit/test-support/wait';

/**
 * The OutboxAdmin against the real PostgreSQL and Kafka: what it reports and changes is what a
 * running Relay then publishes, and its replay puts a dead letter back on its topic.
 */
let db: OutboxTestDatabase;
let admin: OutboxAdmin;
let relay: Relay | undefined;
const topic = uniqueName('ok.admin');
const GROUP = 'admin-test';
/** Written before the relay starts: one of each kind an operator deals with. */
const ids = { ready: '', dead: '', parkedHalf: '', openHalf: '' };

const statusOf = async (id: string) => (await db.prisma.outboxMessage.findUniqueOrThrow({ where: { id } })).status;
const sql = (text: string, ...values: unknown[]) => db.prisma.$executeRawUnsafe(text, ...values);

beforeAll(async () => {
  db = await openOutboxTestDatabase('ok_outbox_admin');
  await createTopic(topic, 1);
  admin = createOutboxAdmin({ databaseUrl: db.database.url, brokers: kafkaBrokers(), logger: silentLogger });
  ids.ready = await db.outbox.transaction(async () => send({ topic, key: 'r', value: { n: 'ready' } }));
  ids.dead = await db.outbox.transaction(async () => send({ topic, key: 'd', value: { n: 'dead' } }));
  // What the relay does to a record Kafka refuses for good (sql/mark-dead.ts), without the refusal.
  await sql(`UPDATE outbox_message SET status = 'DEAD', parked_at = now(), last_error = 'MESSAGE_TOO_LARGE' WHERE id = $1::uuid`, ids.dead);
  ids.parkedHalf = (await db.outbox.sendHalf({ topic, key: 'h', value: { n: 'parked' }, producerGroup: GROUP }, async () => 'UNKNOWN')).messageId;
  ids.openHalf = (await db.outbox.sendHalf({ topic, key: 'o', value: { n: 'open' }, producerGroup: GROUP }, async () => 'UNKNOWN')).messageId;
  // What the back-check does when its checks run out, without running them.
  await sql(`UPDATE outbox_message SET parked_at = now(), next_check_at = NULL, last_error = 'parked after 5 of 5 checks' WHERE id = $1::uuid`, ids.parkedHalf);
});

afterAll(async () => {
  await relay?.stop();
  await admin?.close();
  await closeOutboxTestDatabase(db ?? {});
});

/** Message ids of the records on the topic. */
async function publishedIds(): Promise<string[]> {
  return (await readTopic(topic)).map((record) => record.headers[HEADERS.messageId]!);
}

describe('OutboxAdmin', () => {
  it('stats: rows per status, the parked half messages and the oldest READY age', async () => {
    const stats = await admin.stats();
    expect(stats.counts).toEqual({ READY: 1, DEAD: 1, HALF: 2, PUBLISHED: 0, ROLLED_BACK: 0 });
    expect(stats.parkedHalf).toBe(1);
    expect(stats.oldestReadyAgeMs).toEqual(expect.any(Number));
    expect(stats.oldestReadyAgeMs).toBeGreaterThanOrEqual(0);
  });

  it('dead: lists the DEAD message in camelCase; a retry sends it to READY and the running relay publishes it', async () => {
    relay = new Relay({ databaseUrl: db.database.url, brokers: kafkaBrokers(), halfMessages: false, logger: silentLogger });
    await relay.start();
    await waitFor(async () => (await statusOf(ids.ready)) === 'PUBLISHED', 30_000, 'the READY message to be published');

    const [listed, ...more] = await admin.dead.list({ topic });
    expect(more).toEqual([]);
    expect(listed).toMatchObject({ id: ids.dead, topic, key: 'd', lastError: 'MESSAGE_TOO_LARGE', parkedAt: expect.any(Date), createdAt: expect.any(Date) });
    expect(listed!.sizeBytes).toBeGreaterThan(0);

    const notDead = randomUUID();
    expect(await admin.dead.retry([ids.dead.toUpperCase(), notDead])).toEqual({ retried: [ids.dead], notDead: [notDead] });
    await waitFor(async () => (await statusOf(ids.dead)) === 'PUBLISHED', 30_000, 'the retried message to be published');
    expect(await publishedIds()).toContain(ids.dead);
    expect(await admin.dead.list({ topic })).toEqual([]);
    expect(await admin.dead.retryAll({ topic })).toEqual({ retried: [] });
  });

  it('half: commits the parked message, which the relay publishes; a late rollback is refused with its status', async () => {
    expect((await admin.half.parked()).map((m) => m.id)).toEqual([ids.parkedHalf]);
    const listed = await admin.half.list();
    expect(listed.map((m) => m.id).sort()).toEqual([ids.parkedHalf, ids.openHalf].sort());
    expect(listed.find((m) => m.id === ids.parkedHalf)).toMatchObject({ parked: true, nextCheckAt: null, producerGroup: GROUP, lastError: 'parked after 5 of 5 checks' });

    expect(await admin.half.commit([ids.parkedHalf])).toEqual([{ id: ids.parkedHalf, ok: true }]);
    await waitFor(async () => (await statusOf(ids.parkedHalf)) === 'PUBLISHED', 30_000, 'the committed half message to be published');
    expect(await publishedIds()).toContain(ids.parkedHalf);
    expect(await admin.half.rollback([ids.parkedHalf])).toEqual([{ id: ids.parkedHalf, ok: false, status: 'PUBLISHED' }]);

    expect(await admin.half.rollback([ids.openHalf])).toEqual([{ id: ids.openHalf, ok: true }]);
    expect(await admin.half.commit([ids.openHalf])).toEqual([{ id: ids.openHalf, ok: false, status: 'ROLLED_BACK' }]);
    expect(await admin.half.list()).toEqual([]);
    expect((await admin.stats()).counts).toEqual({ READY: 0, DEAD: 0, HALF: 0, PUBLISHED: 3, ROLLED_BACK: 1 });
    expect(await publishedIds()).not.toContain(ids.openHalf);
  });

  it('replayDeadLetters: puts a dead letter back on its original topic, with its message id', async () => {
    const groupId = uniqueName('admin-dlq');
    const original = uniqueName('ok.admin.replayed');
    await Promise.all([createTopic(`${groupId}.DLQ`, 1), createTopic(original, 1)]);
    const messageId = randomUUID();
    const producer = kafkaClient().producer();
    await producer.connect();
    try {
      await producer.send({
        topic: `${groupId}.DLQ`,
        messages: [
          {
            key: 'k',
            value: JSON.stringify({ n: 'dead letter' }),
            headers: {
              [HEADERS.messageId]: messageId,
              [CONSUMER_HEADERS.originalTopic]: original,
              [CONSUMER_HEADERS.deadLetterReason]: 'max-reconsume-times',
              [CONSUMER_HEADERS.deadLetterAt]: new Date().toISOString(),
            },
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }

    const result = await admin.replayDeadLetters({ groupId, all: true });
    expect(result).toMatchObject({ deadLetterTopic: `${groupId}.DLQ`, scanned: 1, skipped: 0, dryRun: false, replayed: [{ messageId, topic: original }] });
    const [replayed, ...others] = await readTopic(original);
    expect(others).toEqual([]);
    expect(replayed).toMatchObject({ key: 'k', value: JSON.stringify({ n: 'dead letter' }) });
    expect(replayed!.headers[HEADERS.messageId]).toBe(messageId);
    expect(replayed!.headers[CONSUMER_HEADERS.replayedAt]).toEqual(expect.any(String));
  });

  it('refuses what it cannot do with typed errors, before any round trip', async () => {
    expect(() => createOutboxAdmin({} as never)).toThrow(InvalidConfigError);
    expect(() => createOutboxAdmin({} as never)).toThrow(/databaseUrl/);

    const silent = await startSilentServer();
    const offline = createOutboxAdmin({ databaseUrl: `postgres://u:p@${silent.address}/orders` });
    try {
      await expect(offline.dead.retry(['not-a-uuid'])).rejects.toBeInstanceOf(InvalidMessageIdError);
      await expect(offline.half.commit(['not-a-uuid'])).rejects.toBeInstanceOf(InvalidMessageIdError);
      await expect(offline.half.resume([])).rejects.toBeInstanceOf(InvalidConfigError);
      const noKafka = offline.replayDeadLetters({ groupId: 'g', all: true });
      await expect(noKafka).rejects.toBeInstanceOf(InvalidConfigError);
      await expect(noKafka).rejects.toThrow(/pass brokers \(or a kafkajs client as kafka\) to createOutboxAdmin/);
      expect(silent.connections).toBe(0);
    } finally {
      await offline.close();
      await offline.close();
      await silent.close();
    }
  });
});
