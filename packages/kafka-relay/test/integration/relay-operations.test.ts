import { describe, expect, it } from 'vitest';
import { nudgeRelayAfterCommit, send, silentLogger } from '@outboxkit/core';
import { Relay } from '@outboxkit/kafka-relay';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { createTopic } from '@outboxkit/test-support/kafka';
import { MESSAGE_ID, readAll, relayEnv, sleep, sql, startRelay, statusCounts, stopRelay, waitFor, type StartedRelay } from './relay-support.js';

const { database, prisma, outbox } = useRelayFixture({ prefix: 'ok_relay_ops' });

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`metric ${name} missing from:\n${text}`);
  return Number(line.slice(name.length + 1));
}

describe('relay operations', () => {
  it('/metrics shows the counters moving during a run; /healthz and /readyz answer; SIGTERM leaves no claimed-but-unpublished row and no lease', async () => {
    const topic = uniqueName('ok.ops');
    await createTopic(topic, 3);
    let relay: StartedRelay | undefined;
    let second: StartedRelay | undefined;
    const stopNudging = nudgeRelayAfterCommit(outbox.events, outbox.executor);
    try {
      relay = await startRelay(relayEnv(database.url, { OUTBOX_HTTP_PORT: '0', OUTBOX_BATCH_SIZE: '25' }));
      const base = `http://127.0.0.1:${relay.httpPort}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ok: true, kafka: true, database: true, leasedPartitions: 16 });
      expect((await fetch(`${base}/nope`)).status).toBe(404);

      const committed: string[] = [];
      let writing = true;
      const writer = (async () => {
        for (let t = 0; writing; t += 1) {
          committed.push(...(await outbox.transaction(async () => [0, 1, 2].map((i) => send({ topic, key: `k${(t + i) % 9}`, value: { t, i } })))));
          await sleep(5);
        }
      })();

      await waitFor(async () => ((await statusCounts(database.url, topic)).PUBLISHED ?? 0) >= 30, 20_000, 'first publications');
      const first = await fetch(`${base}/metrics`);
      expect(first.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const before = await first.text();
      // Scrape until the counters moved (the writers keep committing), however loaded the machine.
      let after = before;
      await waitFor(
        async () => {
          after = await (await fetch(`${base}/metrics`)).text();
          return (
            metricValue(after, 'outbox_relay_published_total') > metricValue(before, 'outbox_relay_published_total') &&
            metricValue(after, 'outbox_relay_batches_total') > metricValue(before, 'outbox_relay_batches_total')
          );
        },
        30_000,
        'the published and batch counters to move',
      );
      expect(metricValue(after, 'outbox_relay_batch_duration_seconds_count')).toBeGreaterThan(0);
      expect(metricValue(after, 'outbox_relay_leased_partitions')).toBe(16);
      for (const gauge of [
        'outbox_pending_messages',
        'outbox_oldest_pending_age_seconds',
        'outbox_high_water_mark_lag_seconds',
        'outbox_key_lock_oldest_holder_seconds',
        'outbox_xmin_horizon_age_seconds',
        'outbox_relay_failed_batches_total',
        'outbox_relay_dead_total',
      ]) {
        expect(Number.isFinite(metricValue(after, gauge))).toBe(true);
      }

      // SIGTERM in the middle of the stream: the batch in flight finishes, leases are released.
      const exit = await stopRelay(relay);
      expect(exit.code).toBe(0);
      writing = false;
      await writer;
      expect(relay.logs().some((l) => l.msg === 'relay leases released')).toBe(true);
      const leases = await sql<{ n: number }>(database.url, 'SELECT count(*)::int AS n FROM outbox_relay_lease WHERE owner IS NOT NULL');
      expect(leases[0]!.n).toBe(0);
      const members = await sql<{ n: number }>(database.url, 'SELECT count(*)::int AS n FROM outbox_relay_instance WHERE id = $1', [relay.instanceId]);
      expect(members[0]!.n).toBe(0);
      const sessions = await sql<{ n: number }>(
        database.url,
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'outbox-relay%'",
      );
      expect(sessions[0]!.n).toBe(0);

      // Everything on Kafka was acknowledged: no row was sent and left READY behind.
      const onKafka = (await readAll(topic)).map((r) => r.headers[MESSAGE_ID]!);
      const published = new Set(
        (await sql<{ id: string }>(database.url, "SELECT id::text AS id FROM outbox_message WHERE topic = $1 AND status = 'PUBLISHED'", [topic])).map((r) => r.id),
      );
      expect(onKafka.filter((id) => !published.has(id))).toEqual([]);
      expect(onKafka.length).toBe(published.size);
      expect((await statusCounts(database.url, topic)).READY ?? 0).toBeGreaterThan(0);

      // A new relay drains the rest: each message exactly once on Kafka, nothing lost.
      second = await startRelay(relayEnv(database.url));
      await waitFor(async () => (await statusCounts(database.url, topic)).READY === undefined, 30_000, 'drain');
      const all = (await readAll(topic)).map((r) => r.headers[MESSAGE_ID]!);
      expect(all.length).toBe(committed.length);
      expect(new Set(all)).toEqual(new Set(committed));
    } finally {
      stopNudging();
      if (relay) await stopRelay(relay);
      if (second) await stopRelay(second);
    }
  });

  it('wakes within milliseconds of a commit through the after-commit nudge, with slow polling as the fallback', async () => {
    const topic = uniqueName('ok.nudge');
    await createTopic(topic, 1);
    const relay = new Relay({ databaseUrl: database.url, brokers: kafkaBrokers(), logger: silentLogger, minIdleMs: 10_000, maxIdleMs: 10_000, leaseMs: 3_000 });
    await relay.start();
    const stopNudging = nudgeRelayAfterCommit(outbox.events, outbox.executor);
    try {
      await sleep(300); // the relay is now in its 10 s idle wait
      const latencies: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const committedAt = performance.now();
        const id = await outbox.transaction(async () => send({ topic, key: 'n', value: { i } }));
        await waitFor(async () => (await prisma.outboxMessage.findUniqueOrThrow({ where: { id } })).status === 'PUBLISHED', 9_000, 'nudged publish');
        latencies.push(performance.now() - committedAt);
        await sleep(200);
      }
      // Without the nudge each would take nearly the 10 s poll (the relay idles from its last
      // batch on); the bound is that far from it so a loaded machine cannot make it fail.
      expect(Math.max(...latencies)).toBeLessThan(5_000);
    } finally {
      stopNudging();
      await relay.stop();
    }
  });

  it('deletes published rows past their retention in bounded batches, one instance at a time', async () => {
    const topic = uniqueName('ok.retention');
    const relay = new Relay({
      databaseUrl: database.url,
      brokers: kafkaBrokers(),
      logger: silentLogger,
      leaseMs: 3_000,
      retentionMs: 1,
      cleanupBatchSize: 7,
      cleanupIntervalMs: 3_600_000,
    });
    await relay.start();
    try {
      relay.wakeOnCommit(outbox.events);
      const ids = await outbox.transaction(async () => Array.from({ length: 30 }, (_, i) => send({ topic, value: { i } })));
      await waitFor(async () => (await statusCounts(database.url, topic)).PUBLISHED === 30, 20_000, 'published');
      // A row that is not PUBLISHED is never touched by the cleanup.
      await sql(database.url, "UPDATE outbox_message SET status = 'DEAD' WHERE id = $1", [ids[0]]);
      await sleep(20);
      // Hold the cleanup lock elsewhere: this instance skips its turn.
      const blocker = await import('pg').then(({ default: pg }) => new pg.Client({ connectionString: database.url }));
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query(`SELECT pg_advisory_xact_lock(${0x6f72}, hashtext('"public"."outbox_message"'))`);
      expect(await relay.cleanupNow()).toBe(0);
      await blocker.query('ROLLBACK');
      await blocker.end();
      // Batches of 7, each its own transaction under the try-lock (earlier tests' rows count too).
      expect(await relay.cleanupNow()).toBeGreaterThanOrEqual(29);
      expect(await prisma.outboxMessage.count({ where: { status: 'PUBLISHED' } })).toBe(0);
      expect(await prisma.outboxMessage.count({ where: { id: { in: ids } } })).toBe(1);
      expect(await prisma.outboxMessage.findUnique({ where: { id: ids[0] } })).not.toBeNull();
    } finally {
      await relay.stop();
    }
  });
});
