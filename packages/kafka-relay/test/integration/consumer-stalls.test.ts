import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AssignerProtocol, type Consumer, type PartitionAssigner } from 'kafkajs';
import type { InboxHandlerContext, Logger } from '@outboxkit/core';
import { CONSUMER_HEADERS, HEADERS } from '@outboxkit/core/internal';
import type { InboxConsumer } from '@outboxkit/kafka-relay';
import { uniqueName } from '@outboxkit/test-support/servers';
import { createTopic, kafkaClient } from '@outboxkit/test-support/kafka';
import { FAST_CONSUMER, produce, readRecords, useConsumerTestDatabase, useInboxConsumers, waitFor, writeEffect } from './consumer-harness.js';

/**
 * docs/guarantees.md §4.9 and §4.6 at the consumer's boundary: no header content and no thrown
 * value may stop a partition, lose an effect, or leave the group dead while the process lives.
 */

const db = useConsumerTestDatabase('ok_consumer_stalls');
const foreign: Consumer[] = [];

// Registered before the inbox consumers' afterEach, so it runs after it (afterEach hooks run
// last registered first): the inbox consumers stop, then the foreign members leave.
afterEach(async () => {
  await Promise.all(foreign.splice(0).map((consumer) => consumer.disconnect()));
});
const { newConsumer, startConsumer, running } = useInboxConsumers(db);

const record = (id: Buffer | string, value: unknown) => ({ key: null, value: JSON.stringify(value), headers: { [HEADERS.messageId]: id } });

describe('message ids the inbox cannot store as text', () => {
  it('applies both effects of two different ids of invalid UTF-8 (ff, fe); a UUID id stays as it is', async () => {
    const topic = uniqueName('ok.stall.bytes');
    await createTopic(topic, 1);
    const uuid = randomUUID();
    await produce(topic, [record(Buffer.from([0xff]), { n: 'ff' }), record(Buffer.from([0xfe]), { n: 'fe' }), record(uuid, { n: 'uuid' })]);
    const consumer = await startConsumer({ groupId: uniqueName('bytes'), topics: [topic], handler: (ctx) => writeEffect('bytes', ctx) });
    await waitFor(() => consumer.stats.processed + consumer.stats.duplicates >= 3, 'the three records');

    const effects = await db.effects('bytes');
    expect(effects.map((e) => (e.payload as { n: string }).n)).toEqual(['ff', 'fe', 'uuid']);
    expect(effects.map((e) => e.message_id)).toEqual(['\\xff', '\\xfe', uuid]);
    expect(consumer.stats).toMatchObject({ processed: 3, duplicates: 0 });
  });

  it('moves past an id with a NUL byte (PostgreSQL text cannot hold it) and processes the records after it', async () => {
    const topic = uniqueName('ok.stall.nul');
    await createTopic(topic, 1);
    const after = randomUUID();
    await produce(topic, [record(Buffer.from('a\u0000b'), { n: 'nul' }), record(after, { n: 'after' })]);
    const consumer = await startConsumer({ groupId: uniqueName('nul'), topics: [topic], handler: (ctx) => writeEffect('nul', ctx) });
    await waitFor(async () => (await db.effects('nul')).length === 2, 'both records applied', 30_000);

    expect((await db.effects('nul')).map((e) => e.message_id)).toEqual(['\\x610062', after]);
    expect(consumer.stats).toMatchObject({ processed: 2, deadLettered: 0 });
  });
});

/** Values a handler can throw that have no usable String() / message. */
const revoked = Proxy.revocable({}, {});
revoked.revoke();
const HOSTILE_THROWS: Array<[string, () => unknown, RegExp]> = [
  ['a null-prototype object', () => Object.assign(Object.create(null), { reason: 'out of stock' }), /reason.*out of stock/],
  ['undefined', () => undefined, /^undefined$/],
  ['null', () => null, /^null$/],
  ['a symbol', () => Symbol('nope'), /^Symbol\(nope\)$/],
  ['a revoked Proxy', () => revoked.proxy, /unprintable/],
  [
    'an object whose toString and getters throw',
    () =>
      Object.create(null, {
        toString: { value: () => { throw new Error('no toString'); } },
        message: { get: () => { throw new Error('no message'); } },
        code: { get: () => { throw new Error('no code'); } },
      }),
    /^\{\}$/,
  ],
];

describe.each(['batch', 'message'] as const)('%s mode: a handler that throws something that is not an Error', (mode) => {
  let topic: string;
  let consumer: InboxConsumer;
  const throwers = new Map<string, () => unknown>(HOSTILE_THROWS.map(([name, make]) => [name, make]));

  beforeAll(async () => {
    topic = uniqueName('ok.stall.throw');
    await createTopic(topic, 1);
    consumer = await startConsumer({
      groupId: uniqueName('throw'),
      mode,
      topics: [topic],
      retry: { delayLevels: [50, 100], firstDelayLevel: 1, maxReconsumeTimes: 1 },
      handler: async (ctx: InboxHandlerContext<{ throws?: string }>) => {
        const make = ctx.value.throws === undefined ? undefined : throwers.get(ctx.value.throws);
        if (make) throw make();
        await writeEffect('throw', ctx);
      },
    });
    // The consumer stays in `running` for the file's last afterEach: stop it after the last case.
    running.splice(running.indexOf(consumer), 1);
  });

  afterAll(async () => {
    await consumer?.stop();
  });

  it.each(HOSTILE_THROWS)('%s: retried, dead-lettered with a safe description, and later records still flow', async (name, _make, described) => {
    const failing = randomUUID();
    const later = randomUUID();
    const deadBefore = consumer.stats.deadLettered;
    await produce(topic, [record(failing, { throws: name }), record(later, { n: name })]);
    await waitFor(() => consumer.stats.deadLettered === deadBefore + 1, `${name} to be dead-lettered`, 30_000);
    await waitFor(async () => (await db.effects('throw')).some((e) => e.message_id === later), 'the later record');

    const dead = (await readRecords(consumer.settings.deadLetterTopic)).filter((r) => r.headers[HEADERS.messageId] === failing);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.headers).toMatchObject({ [CONSUMER_HEADERS.deadLetterReason]: 'max-reconsume-times', [CONSUMER_HEADERS.reconsumeTimes]: '1' });
    expect(dead[0]!.headers[CONSUMER_HEADERS.errorMessage]).toMatch(described);
    expect((await db.effects('throw')).filter((e) => e.message_id === failing)).toEqual([]);
  });
});

/**
 * A member of the same group whose partition assigner has another name: a consumer joining next
 * gets INCONSISTENT_GROUP_PROTOCOL, which kafkajs treats as non-retriable — it crashes and does
 * not restart (`consumer.events.CRASH` with `restart: false`). Realistic: a second service, or an
 * older build with another assigner, deployed with the same group id.
 */
const otherAssigner: PartitionAssigner = () => ({
  name: 'OtherAssigner',
  version: 1,
  async assign({ members }) {
    return members.map(({ memberId }) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: {}, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return { name: 'OtherAssigner', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) };
  },
});

async function joinForeignMember(groupId: string, topic: string): Promise<Consumer> {
  const member = kafkaClient().consumer({ groupId, partitionAssigners: [otherAssigner], ...FAST_CONSUMER });
  foreign.push(member);
  let joined = false;
  member.on(member.events.GROUP_JOIN, () => (joined = true));
  await member.connect();
  await member.subscribe({ topics: [topic], fromBeginning: true });
  await member.run({ eachMessage: async () => undefined });
  await waitFor(() => joined, 'the foreign member to join');
  return member;
}

describe('a kafkajs crash that kafkajs does not restart from', () => {
  it('is restarted by the consumer (with a log line), which resumes consuming once the cause is gone', async () => {
    const topic = uniqueName('ok.stall.crash');
    const groupId = uniqueName('crash');
    await createTopic(topic, 1);
    const member = await joinForeignMember(groupId, topic);
    const crashes: unknown[] = [];
    const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
    const logger = Object.fromEntries(
      (['debug', 'info', 'warn', 'error'] as const).map((level) => [level, (message: string, fields?: Record<string, unknown>) => lines.push({ level, message, fields })]),
    ) as unknown as Logger;
    const consumer = newConsumer({
      groupId,
      topics: [topic],
      logger,
      restart: { retries: 100, initialDelayMs: 200, maxDelayMs: 500 },
      handler: (ctx) => writeEffect('crash', ctx),
    });
    consumer.events.on('consumer:crashed', (event) => crashes.push(event));
    await consumer.start();
    await waitFor(() => crashes.length >= 1, 'the consumer to crash on joining');

    await member.disconnect();
    const id = randomUUID();
    await produce(topic, [record(id, { n: 'after the crash' })]);
    await waitFor(async () => (await db.effects('crash')).length === 1, 'the record after the crash', 60_000);
    expect((await db.effects('crash')).map((e) => e.message_id)).toEqual([id]);
    const restarting = lines.find((line) => line.message.startsWith('inbox consumer crashed and kafkajs does not restart it'));
    expect(restarting).toMatchObject({ level: 'error', fields: { groupId, attempt: 1, delayMs: 200 } });
    expect(String(restarting!.fields!.error)).toMatch(/incompatible|INCONSISTENT_GROUP_PROTOCOL/);
    expect(lines.find((line) => line.message === 'inbox consumer resumed after a crash')).toMatchObject({ level: 'warn', fields: { groupId } });
  });

  it('gives up after its restarts and reports it: consumer:fatal, and run() rejects with a typed error', async () => {
    const topic = uniqueName('ok.stall.fatal');
    const groupId = uniqueName('fatal');
    await createTopic(topic, 1);
    await joinForeignMember(groupId, topic);
    const consumer = newConsumer({
      groupId,
      topics: [topic],
      restart: { retries: 2, initialDelayMs: 100, maxDelayMs: 200 },
      handler: (ctx) => writeEffect('fatal', ctx),
    });
    const fatal: unknown[] = [];
    consumer.events.on('consumer:fatal', ({ error }) => fatal.push(error));
    const outcome = await consumer.run().then(
      () => 'resolved',
      (error: unknown) => error,
    );
    expect(outcome).toMatchObject({ name: 'ConsumerCrashedError', code: 'OUTBOX_CONSUMER_CRASHED' });
    expect((outcome as Error).message).toMatch(new RegExp(`group "${groupId}".*INCONSISTENT_GROUP_PROTOCOL|incompatible`, 's'));
    expect((outcome as Error).message).toMatch(/restart/i);
    expect(fatal).toEqual([outcome]);
  });
});
