// A batch whose outcome cannot be written must not be republished forever (docs/guarantees.md
// §4.5, §4.9): Kafka's acknowledgement of the good messages of a batch is recorded even when one
// row of the batch cannot be settled, and a row that cannot be settled is parked or backed off.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AcknowledgementFailedError, createConsoleLogger, MessageStatus, silentLogger } from '@outboxkit/core';
import { newMessageId } from '@outboxkit/core/internal';
import { Relay } from '@outboxkit/kafka-relay';
import { openOutboxTestDatabase, closeOutboxTestDatabase, type OutboxTestDatabase } from '@outboxkit/test-support/outbox-database';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import type { PrismaClient } from '@outboxkit/test-support/prisma';
import { createTopic, readTopic, type ReadRecord } from '@outboxkit/test-support/kafka';
import { waitFor } from '@outboxkit/test-support/wait';
import { sql } from './relay-support.js';

let database: OutboxTestDatabase['database'];
let prisma: PrismaClient;

// A database per test: each leaves DEAD rows, triggers or an older index behind.
beforeEach(async () => {
  ({ database, prisma } = await openOutboxTestDatabase('ok_relay_settle'));
});

afterEach(async () => {
  await closeOutboxTestDatabase({ database, prisma });
});

/** An 8,000-character key that does not compress (a btree entry of it exceeds 2,704 bytes). */
const hugeKey = () => randomBytes(6_000).toString('base64').slice(0, 8_000);

interface Row {
  id: string;
  topic: string;
  key: string | null;
  type?: string;
}

/** Inserts rows straight into the outbox in ONE transaction (what send() would refuse, it writes). */
async function insertRows(rows: Row[]): Promise<void> {
  const values: unknown[] = [];
  const tuples = rows.map((row) => {
    values.push(row.id, row.topic, row.key, JSON.stringify({ id: row.id }), row.type ?? null);
    const n = values.length;
    return `($${n - 4}::uuid, $${n - 3}, $${n - 2}, $${n - 1}::jsonb, $${n})`;
  });
  await sql(database.url, `INSERT INTO outbox_message (id, topic, key, payload, type) VALUES ${tuples.join(', ')}`, values);
}

const row = async (id: string) => prisma.outboxMessage.findUniqueOrThrow({ where: { id } });

/** One lane, so the rows of a test are claimed in one batch; short backoff, quick polls. */
function startRelay(extra: Partial<ConstructorParameters<typeof Relay>[0]> = {}): Relay {
  return new Relay({
    databaseUrl: database.url,
    brokers: kafkaBrokers(),
    logger: process.env.DEBUG_SETTLE ? createConsoleLogger('debug') : silentLogger,
    pipelines: 1,
    partitions: 4,
    maxIdleMs: 200,
    halfMessages: false,
    ...extra,
  });
}

describe('settling a batch', () => {
  it('a message to topic ".." with an 8,000-character key goes DEAD; the good message of its batch is published once', async () => {
    const topic = uniqueName('ok.settle');
    await createTopic(topic, 1);
    const bad = newMessageId();
    const good = newMessageId();
    await insertRows([
      { id: bad, topic: '..', key: hugeKey() },
      { id: good, topic, key: 'good' },
    ]);
    const relay = startRelay();
    await relay.start();
    try {
      await waitFor(async () => (await row(bad)).status === MessageStatus.DEAD, 30_000, 'the bad message to be parked DEAD').catch(
        async (error: Error) => {
          throw new Error(`${error.message}; meanwhile the good message was published ${(await readTopic(topic)).length} times`);
        },
      );
      await waitFor(async () => (await row(good)).status === MessageStatus.PUBLISHED, 30_000, 'the good message to be PUBLISHED');
      const dead = await row(bad);
      expect(dead.lastError).toBeTruthy();
      expect(dead.lastError!.length).toBeLessThanOrEqual(2_000);
    } finally {
      await relay.stop();
    }
    const records = await readTopic(topic);
    expect(records.map((r) => r.key)).toEqual(['good']);
  });
});

/** How often each message id is on the topic. */
function deliveries(records: ReadRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) {
    const id = record.headers['outboxkit-message-id']!;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

/** Collects the relay's errors with the time they came. */
function recordErrors(relay: Relay): Array<{ error: unknown; consecutiveFailures: number; at: number }> {
  const errors: Array<{ error: unknown; consecutiveFailures: number; at: number }> = [];
  relay.events.on('relay:error', ({ error, consecutiveFailures }) => errors.push({ error, consecutiveFailures, at: performance.now() }));
  return errors;
}

describe('a batch whose acknowledgement the database refuses', () => {
  it('a row that refuses PUBLISHED is parked DEAD with the reason; it and the rest of its batch are published once', async () => {
    const topic = uniqueName('ok.settle_trigger');
    await createTopic(topic, 1);
    const refusing = newMessageId();
    const others = [newMessageId(), newMessageId(), newMessageId()];
    // A trigger of the user's own that refuses one row's PUBLISHED (deterministically, every time).
    await sql(
      database.url,
      `CREATE FUNCTION refuse_published() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'order % is archived', NEW.id; END $$;
       CREATE TRIGGER refuse_published BEFORE UPDATE ON outbox_message FOR EACH ROW
       WHEN (NEW.status = 'PUBLISHED' AND NEW.type = 'refuse-published') EXECUTE FUNCTION refuse_published()`,
    );
    await insertRows([
      { id: others[0]!, topic, key: 'a' },
      { id: refusing, topic, key: 'b', type: 'refuse-published' },
      { id: others[1]!, topic, key: 'c' },
      { id: others[2]!, topic, key: 'b' },
    ]);
    const relay = startRelay({ deadKeyPolicy: 'pass' });
    const errors = recordErrors(relay);
    await relay.start();
    try {
      await waitFor(async () => (await row(refusing)).status === MessageStatus.DEAD, 30_000, 'the refusing row to be parked DEAD');
      await waitFor(
        async () => (await Promise.all(others.map(row))).every((r) => r.status === MessageStatus.PUBLISHED),
        30_000,
        'the rest of the batch to be PUBLISHED',
      );
    } finally {
      await relay.stop();
    }
    expect((await row(refusing)).lastError).toMatch(/^Kafka acknowledged the message \(it is on the topic\), but marking it PUBLISHED failed: .*is archived/);
    // The batch was recorded row by row: no failure, no retry.
    expect(errors).toEqual([]);
    const counts = deliveries(await readTopic(topic));
    expect(counts).toEqual(Object.fromEntries([refusing, ...others].map((id) => [id, 1])));
  });

  it('a row that refuses every update stays READY and the lane backs off; the rest of its batch is published once', async () => {
    const topic = uniqueName('ok.settle_stuck');
    await createTopic(topic, 1);
    const stuck = newMessageId();
    const others = [newMessageId(), newMessageId()];
    await sql(
      database.url,
      `CREATE FUNCTION refuse_all() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'row % is frozen', NEW.id; END $$;
       CREATE TRIGGER refuse_all BEFORE UPDATE ON outbox_message FOR EACH ROW
       WHEN (NEW.type = 'frozen') EXECUTE FUNCTION refuse_all()`,
    );
    const backoffMs = 400;
    await insertRows([
      { id: others[0]!, topic, key: 'a' },
      { id: stuck, topic, key: 'b', type: 'frozen' },
      { id: others[1]!, topic, key: 'c' },
    ]);
    const relay = startRelay({ backoff: () => backoffMs });
    const errors = recordErrors(relay);
    await relay.start();
    try {
      await waitFor(() => errors.length >= 3, 30_000, 'three failed attempts to settle the frozen row');
    } finally {
      await relay.stop();
    }
    for (const { error } of errors) {
      expect(error).toBeInstanceOf(AcknowledgementFailedError);
      expect((error as AcknowledgementFailedError).code).toBe('OUTBOX_ACK_FAILED');
      expect((error as AcknowledgementFailedError).messageIds).toEqual([stuck]);
      expect((error as Error).message).toMatch(/is frozen.*stay READY and are published again after a backoff/);
    }
    // Consecutive failures: the lane is backing off between attempts, not looping.
    expect(errors.map((e) => e.consecutiveFailures).slice(0, 3)).toEqual([1, 2, 3]);
    for (let i = 1; i < errors.length; i += 1) expect(errors[i]!.at - errors[i - 1]!.at).toBeGreaterThanOrEqual(backoffMs - 50);
    expect((await row(stuck)).status).toBe(MessageStatus.READY);
    expect((await Promise.all(others.map(row))).map((r) => r.status)).toEqual([MessageStatus.PUBLISHED, MessageStatus.PUBLISHED]);
    const counts = deliveries(await readTopic(topic));
    // The others once; the frozen row once per attempt (at-least-once), never more.
    expect(counts[others[0]!]).toBe(1);
    expect(counts[others[1]!]).toBe(1);
    expect(counts[stuck]).toBeLessThanOrEqual(errors.length + 1);
  });

  it('on a database without the dead-key hash index upgrade, a long key that cannot go DEAD does not repeat its batch', async () => {
    const topic = uniqueName('ok.settle_old');
    await createTopic(topic, 1);
    // The index of outboxkit versions before 20261124000400_dead_key_hash_index.
    await sql(
      database.url,
      `DROP INDEX outbox_message_dead_key_hash_idx;
       CREATE INDEX outbox_message_dead_key_idx ON outbox_message(key, seq) WHERE status = 'DEAD'`,
    );
    const bad = newMessageId();
    const good = newMessageId();
    await insertRows([
      { id: bad, topic: '..', key: hugeKey() },
      { id: good, topic, key: 'good' },
    ]);
    const relay = startRelay({ backoff: () => 300 });
    const errors = recordErrors(relay);
    await relay.start();
    try {
      await waitFor(() => errors.length >= 2, 30_000, 'two failed attempts to park the long-keyed row');
    } finally {
      await relay.stop();
    }
    expect(errors[0]!.error).toBeInstanceOf(AcknowledgementFailedError);
    expect((errors[0]!.error as Error).message).toMatch(/index row size .* exceeds .*outbox_message_dead_key_idx/);
    expect((await row(good)).status).toBe(MessageStatus.PUBLISHED);
    expect((await row(bad)).status).toBe(MessageStatus.READY);
    expect(deliveries(await readTopic(topic))).toEqual({ [good]: 1 });
  });
});
