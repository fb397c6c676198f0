import pg from 'pg';
import { claimReadyBatch, markPublished } from '@outboxkit/core';
import { seedOutbox } from '/work/main/bench/lib/seed.mjs';
const url = 'postgresql://postgres@127.0.0.1:5432/outboxkit_bench_dev';
await seedOutbox(url, { topic: 't', messages: 100000, keys: 10000, payloadBytes: 1024 });
const c = new pg.Client({ connectionString: url }); await c.connect();
await c.query(`INSERT INTO outbox_relay_lease (partition, owner, token, expires_at) SELECT p, 'me', 1, now() + interval '1 hour' FROM generate_series(0,31) p ON CONFLICT (partition) DO UPDATE SET owner='me', token=1, expires_at=now()+interval '1 hour'`);
const fence = { leaseTable: 'outbox_relay_lease', instanceId: 'me', partitionCount: 32, partitions: [...Array(32).keys()], tokens: Array(32).fill('1') };
for (const [label, hold] of [['hold', true], ['pass', false]]) {
  const st = claimReadyBatch('outbox_message', { limit: 1000, fence, holdKeysAfterDead: hold });
  await c.query('BEGIN');
  const t0 = performance.now();
  const r = await c.query(st.text, st.values);
  const t1 = performance.now();
  await c.query('ROLLBACK');
  await c.query('BEGIN');
  const e = await c.query('EXPLAIN (ANALYZE, BUFFERS, TIMING) ' + st.text, st.values);
  await c.query('ROLLBACK');
  console.log(`--- claim ${label}: ${r.rowCount} rows in ${(t1 - t0).toFixed(1)} ms (client)`);
  console.log(e.rows.map((x) => x['QUERY PLAN']).filter((l) => /Time|JIT|Timing|^Limit|^Update|^Delete/.test(l)).map((l) => l.slice(0, 160)).join('\n'));
}
// no FOR UPDATE, no payload text
for (const [label, sql] of [
  ['plain select ids', `SELECT o.id FROM outbox_message o WHERE status='READY' ORDER BY seq LIMIT 1000`],
  ['select payload::text', `SELECT o.id, o.payload::text FROM outbox_message o WHERE status='READY' ORDER BY seq LIMIT 1000`],
  ['select payload::text FOR UPDATE', `SELECT o.id, o.payload::text FROM outbox_message o WHERE status='READY' ORDER BY seq LIMIT 1000 FOR UPDATE`],
]) {
  await c.query('BEGIN');
  const t0 = performance.now(); const r = await c.query(sql); const t1 = performance.now();
  await c.query('ROLLBACK');
  console.log(`${label}: ${r.rowCount} rows ${(t1 - t0).toFixed(1)} ms`);
}
const ids = (await c.query(`SELECT id::text FROM outbox_message ORDER BY seq LIMIT 1000`)).rows.map((r) => r.id);
const ack = markPublished('outbox_message', ids, fence);
await c.query('BEGIN');
const e = await c.query('EXPLAIN (ANALYZE, BUFFERS) ' + ack.text, ack.values);
await c.query('ROLLBACK');
console.log('--- ack\n' + e.rows.map((x) => x['QUERY PLAN']).filter((l) => /Time|JIT|Timing|^Update|Buffers: shared hit=1/.test(l)).map((l) => l.slice(0, 160)).join('\n'));
await c.query('BEGIN');
const d = await c.query('EXPLAIN (ANALYZE, BUFFERS) DELETE FROM outbox_message WHERE id = ANY($1::uuid[])', [ids]);
await c.query('ROLLBACK');
console.log('--- delete\n' + d.rows.map((x) => x['QUERY PLAN']).filter((l) => /Time|JIT|Timing|^Delete/.test(l)).map((l) => l.slice(0, 160)).join('\n'));
await c.end();
