import pg from 'pg';
import { claimReadyBatch } from '@outboxkit/core';
const c = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/outboxkit_bench_dev' }); await c.connect();
await c.query(`INSERT INTO outbox_relay_lease (partition, owner, token, expires_at) SELECT p, 'me', 1, now() + interval '1 hour' FROM generate_series(0,31) p ON CONFLICT (partition) DO UPDATE SET owner='me', token=1, expires_at=now()+interval '1 hour'`);
const fence = { leaseTable: 'outbox_relay_lease', instanceId: 'me', partitionCount: 32, partitions: [...Array(32).keys()], tokens: Array(32).fill('1') };
console.log((await c.query(`select status, count(*) from outbox_message group by 1`)).rows);
for (const limit of [1000, 2000]) for (const jit of ['on', 'off']) {
  const st = claimReadyBatch('outbox_message', { limit, fence, holdKeysAfterDead: true });
  await c.query('BEGIN'); await c.query(`SET LOCAL jit = ${jit}`);
  const e = await c.query('EXPLAIN (ANALYZE) ' + st.text, st.values);
  await c.query('ROLLBACK');
  console.log(`--- limit ${limit} jit ${jit}\n` + e.rows.map((r) => r['QUERY PLAN']).filter((l) => /Time|JIT|Timing|Limit|Scan on outbox|Sort|LockRows/.test(l)).map((l) => l.slice(0, 150)).join('\n'));
}
await c.end();
