import { describe, expect, it } from 'vitest';
import { send } from '@outboxkit/core';
import { insertMessages, prepareMessage } from '@outboxkit/core/internal';
import pg from 'pg';
import { uniqueName } from '@outboxkit/test-support/servers';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { createTopic } from '@outboxkit/test-support/kafka';
import {
  commitOrderProblems,
  COUNTER_TABLE_SQL,
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
  writeConcurrently,
  type StartedRelay,
} from './relay-support.js';

const { database, prisma, outbox } = useRelayFixture({ prefix: 'ok_relay_order', schema: [COUNTER_TABLE_SQL], nudgeRelay: true });

describe('relay ordering across instances', () => {
  it('three relay processes and concurrent writers over interleaved keys: everything published, per-key Kafka order = commit order', async () => {
    const topic = uniqueName('ok.order');
    await createTopic(topic, 3);
    const keys = Array.from({ length: 12 }, (_, i) => `order-${i}`);
    const relays: StartedRelay[] = [];
    try {
      for (let i = 0; i < 3; i += 1) relays.push(await startRelay(relayEnv(database.url, { OUTBOX_BATCH_SIZE: '20' })));
      // Six writers, each transaction sending 1–4 messages over random keys (a key may repeat).
      const committed = await writeConcurrently(outbox, topic, keys, { writers: 6, transactions: 45, size: (t, w) => 1 + ((t * 7 + w) % 4) });
      await waitFor(async () => (await statusCounts(database.url, topic)).READY === undefined, 60_000, 'every message published');

      // Each instance did part of the work: the lease table shows all three own partitions.
      const owners = await sql<{ owner: string; n: number }>(
        database.url,
        'SELECT owner, count(*)::int AS n FROM outbox_relay_lease WHERE owner IS NOT NULL GROUP BY owner',
      );
      expect(owners.map((o) => o.owner).sort()).toEqual(relays.map((r) => r.instanceId).sort());
      expect(owners.reduce((sum, o) => sum + o.n, 0)).toBe(16);

      const records = await readAll(topic);
      const delivered = new Set(firstDeliveries(records).map((r) => r.headers[MESSAGE_ID]));
      expect(committed.filter((id) => !delivered.has(id))).toEqual([]);
      expect(delivered.size).toBe(committed.length);
      expect(commitOrderProblems(records)).toEqual([]);
    } finally {
      const exits = await Promise.all(relays.map((r) => stopRelay(r)));
      expect(exits.map((e) => e.code)).toEqual(relays.map(() => 0));
    }
    // Every instance published some of the messages.
    for (const relay of relays) {
      const stopped = relay.logs().find((l) => l.msg === 'relay stopped');
      expect(Number(stopped?.published)).toBeGreaterThan(0);
    }
  });

  it('a transaction that takes a low seq (and one that takes a low id) and commits last is neither skipped nor published out of its key order', async () => {
    const topic = uniqueName('ok.late');
    await createTopic(topic, 3);
    const relays = [await startRelay(relayEnv(database.url)), await startRelay(relayEnv(database.url))];
    const slow = new pg.Client({ connectionString: database.url });
    await slow.connect();
    try {
      // 1. The slow transaction writes K#1 exactly as Outbox.transaction does at commit (advisory
      //    lock on K, then the insert that draws seq) — and stays open.
      const early = prepareMessage({ topic, key: 'K', value: { key: 'K', n: 1 } }, { maxMessageBytes: 1e6 });
      await slow.query('BEGIN');
      const insert = insertMessages('"public"."outbox_message"', [early], 'READY');
      await slow.query(insert.text, insert.values as unknown[]);
      const [{ seq: lowSeq }] = (await slow.query('SELECT seq::text AS seq FROM outbox_message WHERE id = $1', [early.id])).rows;

      // 2. Other keys commit and get published meanwhile, with higher seqs: the relays move on.
      const others: string[] = [];
      for (let i = 0; i < 20; i += 1) others.push(...(await outbox.transaction(async () => [send({ topic, key: `J${i % 4}`, value: { i } })])));
      await waitFor(async () => (await statusCounts(database.url, topic)).PUBLISHED === others.length, 20_000, 'other keys published');
      const higher = await sql<{ n: number }>(database.url, 'SELECT count(*)::int AS n FROM outbox_message WHERE topic = $1 AND seq > $2', [topic, lowSeq]);
      expect(higher[0]!.n).toBe(others.length);

      // 3. A second writer of K must wait for the slow one (the key lock): it cannot commit first.
      let secondCommitted = false;
      const second = outbox
        .transaction(async () => send({ topic, key: 'K', value: { key: 'K', n: 2 } }))
        .then((id) => {
          secondCommitted = true;
          return id;
        });
      // 4. Meanwhile, an Outbox transaction takes a LOW id (UUIDv7, time-ordered) for key L and
      //    stays open, while another transaction of L commits and is published.
      let releaseL: () => void = () => {};
      const gate = new Promise<void>((r) => (releaseL = r));
      let lowIdTaken: () => void = () => {};
      const taken = new Promise<void>((r) => (lowIdTaken = r));
      const lowIdTx = outbox.transaction(async () => {
        const id = send({ topic, key: 'L', value: { key: 'L', n: 2 } });
        lowIdTaken();
        await gate;
        return id;
      });
      // The next transaction of L starts only once this one holds its (lower) id.
      await taken;
      const lFirst = await outbox.transaction(async () => send({ topic, key: 'L', value: { key: 'L', n: 1 } }));
      await waitFor(async () => (await prisma.outboxMessage.findUniqueOrThrow({ where: { id: lFirst } })).status === 'PUBLISHED', 10_000);
      releaseL();
      const lLowId = await lowIdTx;
      expect(lLowId < lFirst).toBe(true);

      await sleep(500);
      expect(secondCommitted).toBe(false);
      expect((await prisma.outboxMessage.findUniqueOrThrow({ where: { id: early.id } }).catch(() => null))).toBeNull();

      // 5. The slow transaction commits last (of its key's first message); nothing is skipped.
      await slow.query('COMMIT');
      const secondId = await second;
      await waitFor(async () => (await statusCounts(database.url, topic)).READY === undefined, 20_000, 'all published');

      const records = firstDeliveries(await readAll(topic));
      const ids = (key: string) => records.filter((r) => r.key === key).map((r) => r.headers[MESSAGE_ID]);
      expect(ids('K')).toEqual([early.id, secondId]);
      expect(ids('L')).toEqual([lFirst, lLowId]);
      expect(commitOrderProblems(records.filter((r) => r.key === 'K' || r.key === 'L'))).toEqual([]);
      // K#1 (lowest seq of all) was published after every J message with a higher seq: the
      // relays did not wait for it, and did not skip it once it committed.
      const [times] = await sql<{ early: Date; last_other: Date }>(
        database.url,
        `SELECT (SELECT published_at FROM outbox_message WHERE id = $1) AS early,
                (SELECT max(published_at) FROM outbox_message WHERE topic = $2 AND key LIKE 'J%') AS last_other`,
        [early.id, topic],
      );
      expect(times!.early.getTime()).toBeGreaterThanOrEqual(times!.last_other.getTime());
    } finally {
      await slow.end().catch(() => undefined);
      await Promise.all(relays.map((r) => stopRelay(r)));
    }
  });
});
