// Reproduces the database-side findings of bench/README.md in one command, on a throwaway
// database (`outboxkit_bench_explain`, dropped at the end), with the library's own SQL builders:
//
//   node bench/lib/explain-relay-sql.mjs            (PostgreSQL as for the bench: DATABASE_URL or local)
//
// 1. the relay's claim at LIMIT 500/1000/2000 over a 100,000-row READY backlog, JIT on and off;
// 2. the acknowledgement of 1,000 rows: UPDATE … PUBLISHED (retention keep) vs DELETE;
// 3. the claim in steady state on a table without statistics (few READY rows behind many published,
//    unvacuumed ones): bitmap scan as planned vs enable_bitmapscan=off vs after VACUUM;
// 4. the outbox's INSERT of one message vs a plain INSERT … VALUES vs SELECT 1.
import { MessageStatus } from '@outboxkit/core';
import { claimReadyBatch, insertMessages, markPublished, prepareMessage } from '@outboxkit/core/internal';
import pg from 'pg';
import { createDatabase, dropDatabase } from '../../scripts/postgres.mjs';
import { applyMigrations } from '../../scripts/migrate.mjs';
import { seedOutbox } from './seed.mjs';

const DB = 'outboxkit_bench_explain';
const url = await createDatabase(DB);
const client = new pg.Client({ connectionString: url });
try {
  await applyMigrations(url);
  await seedOutbox(url, { topic: 'explain', messages: 100_000, keys: 10_000, payloadBytes: 1024 });
  await client.connect();
  await client.query(`ALTER TABLE outbox_message SET (autovacuum_enabled = false)`);
  await client.query(
    `INSERT INTO outbox_relay_lease (partition, owner, token, expires_at)
     SELECT p, 'explain', 1, now() + interval '1 hour' FROM generate_series(0, 31) AS p`,
  );
  const fence = { leaseTable: 'outbox_relay_lease', instanceId: 'explain', partitionCount: 32, partitions: [...Array(32).keys()], tokens: Array(32).fill('1') };
  const claim = (limit) => claimReadyBatch('outbox_message', { limit, fence, holdKeysAfterDead: true });

  /** EXPLAIN ANALYZE in a rolled-back transaction; returns the lines worth printing. */
  async function explain(statement, settings = []) {
    await client.query('BEGIN');
    try {
      for (const s of settings) await client.query(s);
      const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, statement.values);
      return rows.map((r) => r['QUERY PLAN']);
    } finally {
      await client.query('ROLLBACK');
    }
  }
  const pick = (lines) => {
    const top = lines[0].replace(/\s+\(actual.*/, '');
    const scan = lines.find((l) => /(Index Scan|Bitmap Heap Scan|Seq Scan)( using \S+)? on outbox_(message|steady)\b/.test(l))?.trim().replace(/\s+\(cost.*/, '') ?? '';
    const jit = lines.find((l) => /Timing: Generation/.test(l))?.trim().replace('Timing: ', 'JIT ') ?? 'no JIT';
    const exec = lines.find((l) => l.startsWith('Execution Time'));
    return `${exec} | ${jit} | ${scan} | ${top}`;
  };

  console.log('1. claim over a 100,000-row READY backlog (dead-key policy hold):');
  for (const limit of [500, 1000, 2000]) {
    for (const jit of ['on', 'off']) {
      console.log(`   LIMIT ${String(limit).padEnd(4)} jit=${jit.padEnd(3)} ${pick(await explain(claim(limit), [`SET LOCAL jit = ${jit}`]))}`);
    }
  }

  console.log('2. acknowledging 1,000 rows:');
  const ids = (await client.query(`SELECT id::text FROM outbox_message ORDER BY seq LIMIT 1000`)).rows.map((r) => r.id);
  console.log(`   UPDATE … PUBLISHED (keep)  ${pick(await explain(markPublished('outbox_message', ids, fence)))}`);
  console.log(`   DELETE (retention delete)  ${pick(await explain({ text: `DELETE FROM outbox_message WHERE id = ANY($1::uuid[])`, values: [ids] }))}`);

  console.log('3. claim at a steady 1,000 msgs/s on a table without statistics yet (a new deployment, or before the');
  console.log('   first autoanalyze): 15 READY rows behind 20,000 published since the last vacuum:');
  await client.query(`CREATE TABLE outbox_steady (LIKE outbox_message INCLUDING ALL) WITH (autovacuum_enabled = false)`);
  await client.query(`INSERT INTO outbox_steady SELECT * FROM outbox_message ORDER BY seq LIMIT 20015`);
  await client.query(`UPDATE outbox_steady SET status = 'PUBLISHED' WHERE seq <= (SELECT max(seq) - 15 FROM outbox_steady)`);
  const steady = () => claimReadyBatch('outbox_steady', { limit: 1000, fence, holdKeysAfterDead: true });
  console.log(`   as planned                 ${pick(await explain(steady()))}`);
  console.log(`   as planned, again          ${pick(await explain(steady()))}`);
  console.log(`   enable_bitmapscan=off      ${pick(await explain(steady(), ['SET LOCAL enable_bitmapscan = off']))}`);
  console.log(`   enable_bitmapscan=off, again ${pick(await explain(steady(), ['SET LOCAL enable_bitmapscan = off']))}`);
  await client.query('VACUUM outbox_steady');
  console.log(`   after VACUUM               ${pick(await explain(steady()))}`);

  console.log('4. one statement inside a transaction, client-observed p50 of 2,000 (raw pg, no Prisma):');
  const order = { id: crypto.randomUUID(), customer: 'c', sku: 'sku-1', quantity: 1, status: 'PLACED', createdAt: new Date() };
  const message = () => prepareMessage({ topic: 'orders.created', key: crypto.randomUUID(), type: 'OrderCreated', value: order }, { maxMessageBytes: 1_000_000 });
  const variants = {
    'SELECT 1': () => ({ text: 'SELECT 1', values: [] }),
    'outboxkit insertMessages, 1 message': () => insertMessages('outbox_message', [message()], MessageStatus.READY),
    'plain INSERT … VALUES, 1 row': () => {
      const m = message();
      return {
        text: `INSERT INTO outbox_message (id, topic, key, payload, type, status) VALUES ($1, $2, $3, $4::jsonb, $5, 'READY')`,
        values: [m.id, m.topic, m.key, m.payloadJson, m.type],
      };
    },
  };
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let round = 0; round < 4; round += 1) {
    for (const [name, make] of Object.entries(variants)) {
      for (let i = 0; i < 500; i += 1) {
        const statement = make();
        await client.query('BEGIN');
        const t0 = performance.now();
        await client.query(statement.text, statement.values);
        samples[name].push(performance.now() - t0);
        await client.query('ROLLBACK');
      }
    }
  }
  for (const [name, values] of Object.entries(samples)) {
    values.sort((a, b) => a - b);
    console.log(`   ${name.padEnd(38)} p50 ${values[values.length >> 1].toFixed(3)} ms`);
  }
  const plan = await explain(insertMessages('outbox_message', [message()], MessageStatus.READY));
  console.log(`   insertMessages: ${plan.find((l) => l.startsWith('Planning Time'))}, ${plan.find((l) => l.startsWith('Execution Time'))}`);
} finally {
  await client.end().catch(() => {});
  await dropDatabase(DB).catch(() => {});
}
