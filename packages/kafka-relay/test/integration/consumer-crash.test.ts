import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { createTopic } from '@outboxkit/test-support/kafka';
import { committedOffset, produce, runTsx, useConsumerTestDatabase, waitFor } from './consumer-harness.js';

const CHILD = fileURLToPath(new URL('./fixtures/inbox-consumer-child.ts', import.meta.url));

const db = useConsumerTestDatabase('ok_consumer_crash');

describe('inbox consumer killed between its transaction commit and its offset commit', () => {
  for (const mode of ['message', 'batch'] as const) {
    it(`${mode} mode: after a restart every effect is applied exactly once`, async () => {
      const topic = uniqueName(`ok.crash.${mode}`);
      const group = uniqueName(`crash-${mode}`);
      await createTopic(topic, 1);
      const ids = Array.from({ length: 8 }, () => randomUUID());
      // Three keys: message mode runs different keys concurrently and keeps each key's order.
      await produce(topic, ids.map((id, n) => ({ key: `k${n % 3}`, value: JSON.stringify({ n }), headers: { 'outboxkit-message-id': id } })));
      const env = { DATABASE_URL: db.url, KAFKA_BROKERS: kafkaBrokers().join(','), TOPIC: topic, GROUP: group, MODE: mode, CONSUMER_LABEL: mode };

      // First run: SIGKILLs itself right after the 3rd record's transaction committed.
      const first = runTsx(CHILD, { ...env, KILL_AFTER: '3' });
      // tsx runs the script in a child node process and exits with 128 + 9 when it is SIGKILLed.
      const { code, signal } = await first.exited;
      expect(signal === 'SIGKILL' || code === 137, first.output()).toBe(true);
      expect(first.lines().some((line) => line.event === 'stopped')).toBe(false);
      const appliedBeforeCrash = (await db.effects(mode)).length;
      const offsetAtCrash = await committedOffset(group, topic);
      expect(appliedBeforeCrash).toBeGreaterThanOrEqual(3);
      // The crash window was hit: effects are committed that the group's offset does not cover.
      expect(offsetAtCrash).toBeLessThan(appliedBeforeCrash);

      // Second run: Kafka redelivers from the committed offset; the inbox skips what was applied.
      const second = runTsx(CHILD, env);
      try {
        await second.waitForLine((line) => line.event === 'started', 'the restarted consumer');
        await waitFor(async () => (await db.effects(mode)).length >= ids.length, 'every effect');
        await waitFor(async () => (await committedOffset(group, topic)) === ids.length, 'the offsets');
      } finally {
        second.child.kill('SIGTERM');
      }
      expect((await second.exited).code, second.output()).toBe(0);
      const stopped = second.lines().find((line) => line.event === 'stopped')!;
      expect(stopped.duplicates as number).toBeGreaterThanOrEqual(appliedBeforeCrash - offsetAtCrash);

      const effects = await db.effects(mode);
      expect(effects.map((e) => e.message_id).sort()).toEqual([...ids].sort());
      const order = effects.map((e) => (e.payload as { n: number }).n);
      if (mode === 'batch') {
        // Batch mode keeps partition order.
        expect(order).toEqual(ids.map((_, n) => n));
      } else {
        // Message mode keeps per-key order (records of different keys may overtake each other).
        for (const key of [0, 1, 2]) {
          const ofKey = order.filter((n) => n % 3 === key);
          expect(ofKey).toEqual([...ofKey].sort((x, y) => x - y));
        }
      }
      const receipts = await db.prisma.inboxMessage.count({ where: { consumerGroup: group } });
      expect(receipts).toBe(ids.length);
    });
  }

  it('message mode, several fetched batches: killed after earlier batches committed their offsets, mid-batch; after a restart every effect is applied exactly once', async () => {
    const topic = uniqueName('ok.crash.batches');
    const group = uniqueName('crash-batches');
    await createTopic(topic, 1);
    const ids = Array.from({ length: 40 }, () => randomUUID());
    // Five produce requests = five record batches on the broker; with a tiny maxBytesPerPartition
    // each fetch returns one of them, and with commitIntervalMs 0 offsets are committed after each
    // batch: every 8 records.
    for (let from = 0; from < ids.length; from += 8) {
      await produce(topic, ids.slice(from, from + 8).map((id, i) => ({ key: `k${(from + i) % 3}`, value: JSON.stringify({ n: from + i }), headers: { 'outboxkit-message-id': id } })));
    }
    const env = { DATABASE_URL: db.url, KAFKA_BROKERS: kafkaBrokers().join(','), TOPIC: topic, GROUP: group, MODE: 'message', CONSUMER_LABEL: 'batches', MAX_BYTES_PER_PARTITION: '100', COMMIT_INTERVAL_MS: '0' };

    const first = runTsx(CHILD, { ...env, KILL_AFTER: '20' });
    const { code, signal } = await first.exited;
    expect(signal === 'SIGKILL' || code === 137, first.output()).toBe(true);
    const applied = (await db.effects('batches')).length;
    const offsetAtCrash = await committedOffset(group, topic);
    // Earlier batches' offsets were committed (what the child saw Kafka acknowledge) …
    const acknowledged = first.lines().filter((line) => line.event === 'offset-committed').map((line) => Number(line.offset));
    expect(offsetAtCrash).toBeGreaterThanOrEqual(8);
    expect(offsetAtCrash).toBe(Math.max(...acknowledged));
    // … but not those of the transactions that committed in the batch it died in.
    expect(applied).toBeGreaterThanOrEqual(20);
    expect(offsetAtCrash).toBeLessThan(applied);

    const second = runTsx(CHILD, env);
    try {
      await second.waitForLine((line) => line.event === 'started', 'the restarted consumer');
      await waitFor(async () => (await committedOffset(group, topic)) === ids.length, 'the offsets');
    } finally {
      second.child.kill('SIGTERM');
    }
    expect((await second.exited).code, second.output()).toBe(0);
    const stopped = second.lines().find((line) => line.event === 'stopped')!;
    expect(stopped.duplicates).toBe(applied - offsetAtCrash);
    expect(stopped.processed).toBe(ids.length - applied);
    const effects = await db.effects('batches');
    expect(effects.map((e) => e.message_id).sort()).toEqual([...ids].sort());
    expect(await db.prisma.inboxMessage.count({ where: { consumerGroup: group } })).toBe(ids.length);
  });
});
