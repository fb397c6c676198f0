// docs/guarantees.md §4 guarantee 2 through a PostgreSQL crash: no committed message is lost, the relay recovers
// by itself. The database is a private server (test/support/private-postgres.ts): crashing the
// shared one would break the test files running alongside.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@outboxkit/core';
import { createPrismaOutbox, type PrismaOutbox } from '@outboxkit/prisma-adapter';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { applyMigrations } from '../../../../scripts/migrate.mjs';
import { startPrivatePostgres, type PrivatePostgres } from '@outboxkit/test-support/private-postgres';
import { createPrismaClient, type PrismaClient } from '@outboxkit/test-support/prisma';
import { createTopic } from '@outboxkit/test-support/kafka';
import { uniqueName } from '@outboxkit/test-support/servers';
import {
  commitOrderProblems,
  createCounterTable,
  firstDeliveries,
  MESSAGE_ID,
  readAll,
  relayEnv,
  sleep,
  sql,
  startRelay,
  statusCounts,
  stopRelay,
  waitFor,
  writeCounted,
  type StartedRelay,
} from './relay-support.js';

let server: PrivatePostgres | undefined;
let prisma: PrismaClient | undefined;
let outbox: PrismaOutbox<PrismaClient>;
let relay: StartedRelay | undefined;

beforeAll(async () => {
  server = await startPrivatePostgres();
  await applyMigrations(server.url);
  await createCounterTable(server.url);
  prisma = createPrismaClient(server.url);
  outbox = createPrismaOutbox(prisma, { logger: silentLogger, registerAsDefault: false });
});

afterAll(async () => {
  // Whatever happened above: no relay process, no server, no temp dir left behind.
  if (relay) await stopRelay(relay, 'SIGKILL');
  await prisma?.$disconnect().catch(() => {});
  await server?.stop();
});

const KEYS = Array.from({ length: 20 }, (_, i) => `acct-${i}`);

describe('relay through a PostgreSQL crash', () => {
  it('PostgreSQL stopped in immediate mode while the relay drains a backlog, down 2 s, started again: every committed message published in per-key commit order, the relay never restarted', async () => {
    const url = server!.url;
    const topic = uniqueName('ok.pgrestart');
    await createTopic(topic, 3);

    // Ids whose transaction promise resolved, in commit order per writer.
    const committed: string[] = [];
    // A backlog committed before the relay runs, so it is mid-drain (a batch transaction open,
    // more READY rows behind it) when the server goes down.
    for (let t = 0; t < 30; t += 1) {
      const keys = Array.from({ length: 100 }, (_, i) => KEYS[(t * 7 + i) % KEYS.length]!);
      committed.push(...(await writeCounted(outbox, topic, keys, 'seed')));
    }

    // Small batches, so the backlog takes a while and batches are in flight all the time.
    relay = await startRelay(relayEnv(url, { OUTBOX_BATCH_SIZE: '10', OUTBOX_HTTP_PORT: '0' }));
    const pid = relay.child.pid;
    const started = relay;
    // Fails a wait at once, with the relay's output, when the relay process died (the regression
    // this test exists for: an unhandled pg 'error' on a connection the server cut).
    const relayAlive = () => {
      if (started.child.exitCode !== null || started.child.signalCode !== null) {
        throw new Error(`the relay process exited (code ${started.child.exitCode}, signal ${started.child.signalCode}):\n${started.output().slice(-3000)}`);
      }
      return true;
    };

    // Writers through the real write path; a write that fails (server down, connection cut) is
    // not counted as committed. A failure at COMMIT may still have committed: such a row is in
    // the table and must be published too, which the table-vs-Kafka checks below cover.
    let writing = true;
    let writeFailures = 0;
    const writers = [0, 1, 2].map(async (w) => {
      let i = 0;
      while (writing) {
        i += 1;
        const keys = [KEYS[(i * 3 + w) % KEYS.length]!, KEYS[(i * 5 + w * 7) % KEYS.length]!];
        try {
          committed.push(...(await writeCounted(outbox, topic, keys, `w${w}`)));
        } catch {
          writeFailures += 1;
          await sleep(50);
        }
        await sleep(2);
      }
    });

    try {
      await waitFor(async () => ((await statusCounts(url, topic)).PUBLISHED ?? 0) >= 300, 20_000, 'the relay to publish part of the backlog');
      const atCrash = await statusCounts(url, topic);
      const failuresBefore = writeFailures;
      const committedBefore = committed.length;

      // The crash: the relay's batch transaction in flight dies, acknowledgements committed with
      // synchronous_commit=off in the last WAL-writer interval may be lost, sessions are cut.
      await server!.restart({ downMs: 2_000, mode: 'immediate' });

      // Writers resume once it is back; the relay must get going again without help.
      await waitFor(() => relayAlive() && committed.length > committedBefore + 100, 15_000, 'writers to commit again after the restart');
      writing = false;
      await Promise.all(writers);

      await waitFor(async () => relayAlive() && (await statusCounts(url, topic)).READY === undefined, 30_000, 'the relay to drain the backlog after the restart');

      // The outage really hit both sides while work was pending.
      expect(atCrash.READY ?? 0).toBeGreaterThan(0);
      expect(writeFailures).toBeGreaterThan(failuresBefore);
      expect(relay.logs().some((l) => l.msg === 'relay step failed; backing off')).toBe(true);

      // Same relay process all along, alive and ready (Kafka connected, lease heartbeat fresh).
      expect(relay.child.exitCode).toBeNull();
      expect(relay.child.signalCode).toBeNull();
      expect(relay.child.pid).toBe(pid);
      const base = `http://127.0.0.1:${relay.httpPort}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, 10_000, 'the relay to report ready');

      // Every committed row survived the crash and ends PUBLISHED.
      const rows = await sql<{ id: string; key: string; status: string }>(
        url,
        'SELECT id::text AS id, key, status FROM outbox_message WHERE topic = $1 ORDER BY seq',
        [topic],
      );
      const inTable = new Set(rows.map((r) => r.id));
      expect(committed.filter((id) => !inTable.has(id))).toEqual([]);
      expect(rows.filter((r) => r.status !== 'PUBLISHED')).toEqual([]);

      // Every row reached Kafka (duplicates allowed), nothing else did, and per key the first
      // deliveries follow seq order, which is commit order per key.
      const records = await readAll(topic);
      const first = firstDeliveries(records);
      const delivered = new Set(first.map((r) => r.headers[MESSAGE_ID]!));
      expect(committed.filter((id) => !delivered.has(id))).toEqual([]);
      expect(rows.filter((r) => !delivered.has(r.id)).map((r) => r.id)).toEqual([]);
      expect([...delivered].filter((id) => !inTable.has(id))).toEqual([]);
      const bySeq = new Map<string, string[]>();
      for (const r of rows) bySeq.set(r.key, [...(bySeq.get(r.key) ?? []), r.id]);
      const byDelivery = new Map<string, string[]>();
      for (const r of first) byDelivery.set(r.key!, [...(byDelivery.get(r.key!) ?? []), r.headers[MESSAGE_ID]!]);
      expect(Object.fromEntries(byDelivery)).toEqual(Object.fromEntries(bySeq));
      // The same from the writers' side: per-key counters taken in the transactions, 1, 2, 3, …
      expect(commitOrderProblems(records)).toEqual([]);

      process.stderr.write(
        `[pg-restart] ${committed.length} committed, ${rows.length} rows, ${records.length} records (${records.length - first.length} duplicates), ` +
          `${writeFailures} failed writes, at the crash ${JSON.stringify(atCrash)}\n`,
      );
    } finally {
      writing = false;
      await Promise.all(writers);
    }

    // It still stops cleanly: batches finished, leases released.
    const exit = await stopRelay(relay);
    relay = undefined;
    expect(exit.code).toBe(0);
  });
});
