import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { InboxHandlerContext } from '@outboxkit/core';
import { HEADERS } from '@outboxkit/core/internal';
import { uniqueName } from '@outboxkit/test-support/servers';
import { createTopic } from '@outboxkit/test-support/kafka';
import { committedOffset, produce, useConsumerTestDatabase, useInboxConsumers, waitFor, writeEffect } from './consumer-harness.js';

/**
 * Offsets are committed periodically (and on stop), not per transaction, and message mode runs
 * records of different keys concurrently. What must hold, against the real broker and database:
 * the committed offset never passes a record whose transaction has not committed, a graceful stop
 * commits what was resolved, per-key order is kept, and every effect happens once.
 */

const db = useConsumerTestDatabase('ok_consumer_offsets');
const { newConsumer: consumerFor } = useInboxConsumers(db);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const KEYS = ['k0', 'k1', 'k2', 'k3'];
const records = (count: number) =>
  Array.from({ length: count }, (_, n) => ({
    key: KEYS[n % KEYS.length]!,
    value: JSON.stringify({ n, key: KEYS[n % KEYS.length] }),
    headers: { [HEADERS.messageId]: randomUUID() },
  }));

/** Effects of one consumer label as { n, key }, in the order they were written. */
async function effectsOf(label: string): Promise<Array<{ n: number; key: string }>> {
  return (await db.effects(label)).map((e) => e.payload as { n: number; key: string });
}

describe('inbox consumer offsets and concurrency', () => {
  it('message mode: runs keys concurrently, keeps per-key order, applies each record once, commits every offset', async () => {
    const topic = uniqueName('ok.offsets.keys');
    const groupId = uniqueName('offsets-keys');
    await createTopic(topic, 1);
    const input = records(60);
    await produce(topic, input);
    const active = new Set<string>();
    let maxActive = 0;
    let overlappedKey = false;
    const consumer = consumerFor({
      groupId,
      topics: [topic],
      mode: 'message',
      concurrency: 4,
      handler: async (ctx: InboxHandlerContext) => {
        const key = ctx.key!;
        if (active.has(key)) overlappedKey = true;
        active.add(key);
        maxActive = Math.max(maxActive, active.size);
        // Uneven handler times, so records of different keys finish out of offset order.
        await sleep((Number((ctx.value as { n: number }).n) * 7) % 5);
        await writeEffect('keys', ctx);
        active.delete(key);
      },
    });
    await consumer.start();
    await waitFor(async () => (await db.effects('keys')).length >= input.length, 'every effect');
    await waitFor(async () => (await committedOffset(groupId, topic)) === input.length, 'the committed offset');

    expect(overlappedKey).toBe(false);
    expect(maxActive).toBeGreaterThan(1);
    expect(maxActive).toBeLessThanOrEqual(4);
    const effects = await effectsOf('keys');
    expect(effects.map((e) => e.n).sort((x, y) => x - y)).toEqual(input.map((_, n) => n));
    for (const key of KEYS) {
      const ofKey = effects.filter((e) => e.key === key).map((e) => e.n);
      expect(ofKey).toEqual([...ofKey].sort((x, y) => x - y));
    }
    // Out of partition order overall: different keys did overlap.
    expect(effects.map((e) => e.n)).not.toEqual(input.map((_, n) => n));
    expect(consumer.stats).toMatchObject({ processed: input.length, duplicates: 0, failures: 0 });
  });

  it('commits periodically the finished prefix only, never past an unfinished record; a graceful stop commits the rest; a restart applies what is left once', async () => {
    const topic = uniqueName('ok.offsets.stop');
    const groupId = uniqueName('offsets-stop');
    await createTopic(topic, 1);
    const input = records(40);
    await produce(topic, input);
    let reached: () => void = () => {};
    const reachedGate = new Promise<void>((resolve) => (reached = resolve));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const offsetEvents: string[] = [];
    const first = consumerFor({
      groupId,
      topics: [topic],
      mode: 'message',
      concurrency: 4,
      commitIntervalMs: 100,
      handler: async (ctx: InboxHandlerContext) => {
        if (ctx.offset === '20') {
          // Record 20 holds its key (k0) and its transaction open until the consumer is stopping.
          reached();
          await gate;
        }
        await writeEffect('stop', ctx);
      },
    });
    first.events.on('consumer:offset-committed', ({ offset }) => offsetEvents.push(offset));
    await first.start();
    let stopping: Promise<void> | undefined;
    try {
      await reachedGate;
      // The other keys run ahead of record 20, and the timer commits offsets meanwhile — only up
      // to record 20, which has not finished (waited for, not slept for: the machine may be loaded).
      await waitFor(async () => (await db.effects('stop')).length > 20, 'records after 20 to be applied');
      await waitFor(async () => offsetEvents.at(-1) === '20', 'the timer to commit up to record 20');
      const appliedWhileBlocked = (await db.effects('stop')).length;
      // Records after 20 committed their transactions, and the timer committed offsets meanwhile,
      // but only up to record 20, which has not finished: the next record to read is 20.
      expect(appliedWhileBlocked).toBeGreaterThan(20);
      expect(await committedOffset(groupId, topic)).toBe(20);
      expect(offsetEvents.at(-1)).toBe('20');
      expect(offsetEvents.every((offset) => Number(offset) <= 20)).toBe(true);
      stopping = first.stop();
      await sleep(300);
    } finally {
      // Whatever failed above, record 20 must not stay blocked (afterEach stops the consumer).
      release();
    }
    await stopping;
    const atStop = await committedOffset(groupId, topic);
    const applied = await effectsOf('stop');
    const appliedSet = new Set(applied.map((e) => e.n));
    // The stop committed the finished prefix: at least up to and including record 20 …
    expect(atStop).toBeGreaterThan(20);
    expect(offsetEvents.at(-1)).toBe(String(atStop));
    // … and never past a record whose transaction had not committed.
    for (let n = 0; n < atStop; n += 1) expect(appliedSet.has(n)).toBe(true);
    if (atStop < input.length) expect(appliedSet.has(atStop)).toBe(false);

    // A restarted group resumes at that offset; records after it that had committed are duplicates.
    const second = consumerFor({ groupId, topics: [topic], mode: 'message', concurrency: 4, handler: (ctx: InboxHandlerContext) => writeEffect('stop', ctx) });
    await second.start();
    await waitFor(async () => (await committedOffset(groupId, topic)) === input.length, 'the rest');
    const effects = await effectsOf('stop');
    expect(effects.map((e) => e.n).sort((x, y) => x - y)).toEqual(input.map((_, n) => n));
    expect(second.stats.duplicates).toBe(applied.filter((e) => e.n >= atStop).length);
    expect(second.stats.processed).toBe(input.length - applied.length);
    expect(await db.prisma.inboxMessage.count({ where: { consumerGroup: groupId } })).toBe(input.length);
  });

  it('batch mode, defaults: one transaction for the fetched batch, one offset commit (not one per transaction), nothing left uncommitted', async () => {
    const topic = uniqueName('ok.offsets.batch');
    const groupId = uniqueName('offsets-batch');
    await createTopic(topic, 1);
    const input = records(250);
    await produce(topic, input);
    const transactions: number[] = [];
    const offsetEvents: string[] = [];
    const consumer = consumerFor({ groupId, topics: [topic], handler: (ctx: InboxHandlerContext) => writeEffect('batch', ctx) });
    consumer.events.on('consumer:committed', ({ records: committed }) => transactions.push(committed.length));
    consumer.events.on('consumer:offset-committed', ({ offset }) => offsetEvents.push(offset));
    await consumer.start();
    await waitFor(() => consumer.stats.processed === input.length, 'every record');
    // The timer commits within commitIntervalMs (1 s by default), without a stop.
    await waitFor(async () => (await committedOffset(groupId, topic)) === 250, 'the periodic offset commit', 5_000);
    await consumer.stop();
    // 250 records fit one fetch: one transaction (the default batchSize is 1000, not 100) …
    expect(transactions).toEqual([250]);
    // … and one offset commit, which the event reports truthfully.
    expect(offsetEvents).toEqual(['250']);
    expect(await committedOffset(groupId, topic)).toBe(250);
    const effects = await effectsOf('batch');
    expect(effects.map((e) => e.n)).toEqual(input.map((_, n) => n));
  });
});
