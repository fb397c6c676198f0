import pg from 'pg';
import { insertMessages, prepareMessage, MessageStatus } from '@outboxkit/core';
const c = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/outboxkit_bench_dev' });
await c.connect();
await c.query('TRUNCATE outbox_message');
const order = { id: crypto.randomUUID(), customer: 'bench-customer', sku: 'sku-1', quantity: 1, status: 'PLACED', createdAt: new Date() };
const variants = {
  'SELECT 1': () => ({ text: 'SELECT 1', values: [] }),
  'outboxkit insertMessages (1 msg)': () => insertMessages('outbox_message', [prepareMessage({ topic: 'orders.created', key: crypto.randomUUID(), type: 'OrderCreated', value: order }, { maxMessageBytes: 1e6 })], MessageStatus.READY),
  'same, no key (no advisory lock)': () => insertMessages('outbox_message', [prepareMessage({ topic: 'orders.created', type: 'OrderCreated', value: order }, { maxMessageBytes: 1e6 })], MessageStatus.READY),
  'plain INSERT … VALUES': () => { const m = prepareMessage({ topic: 'orders.created', key: crypto.randomUUID(), type: 'OrderCreated', value: order }, { maxMessageBytes: 1e6 }); return { text: `INSERT INTO outbox_message (id, topic, key, payload, type, headers, status) VALUES ($1, $2, $3, $4::jsonb, $5, '{}', 'READY')`, values: [m.id, m.topic, m.key, m.payloadJson, m.type] }; },
  'plain INSERT + pg_advisory_xact_lock': () => { const m = prepareMessage({ topic: 'orders.created', key: crypto.randomUUID(), type: 'OrderCreated', value: order }, { maxMessageBytes: 1e6 }); return { text: `WITH l AS MATERIALIZED (SELECT pg_advisory_xact_lock(28533, hashtext($3))) INSERT INTO outbox_message (id, topic, key, payload, type, headers, status) SELECT $1, $2, $3, $4::jsonb, $5, '{}', 'READY' FROM l`, values: [m.id, m.topic, m.key, m.payloadJson, m.type] }; },
};
const results = {};
for (let round = 0; round < 4; round++) {
  for (const [name, make] of Object.entries(variants)) {
    const times = [];
    for (let i = 0; i < 500; i++) {
      const st = make();
      await c.query('BEGIN');
      const t0 = performance.now();
      await c.query(st.text, st.values);
      times.push(performance.now() - t0);
      await c.query('COMMIT');
    }
    (results[name] ??= []).push(...times);
  }
}
for (const [name, t] of Object.entries(results)) { t.sort((a, b) => a - b); console.log(name.padEnd(40), 'p50', t[Math.floor(t.length / 2)].toFixed(3), 'ms  p90', t[Math.floor(t.length * 0.9)].toFixed(3)); }
const st = variants['outboxkit insertMessages (1 msg)']();
await c.query('BEGIN');
const e = await c.query('EXPLAIN (ANALYZE, TIMING) ' + st.text, st.values);
await c.query('ROLLBACK');
console.log(e.rows.map((r) => r['QUERY PLAN']).filter((l) => /Time|JIT|Insert|CTE|Function Scan|Nested/.test(l)).join('\n'));
await c.end();
