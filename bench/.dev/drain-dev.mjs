import { createDatabase } from '/work/main/scripts/postgres.mjs';
import { applyMigrations } from '/work/main/scripts/migrate.mjs';
import { seedOutbox } from '/work/main/bench/lib/seed.mjs';
import { runWorker } from '/work/main/bench/lib/proc.mjs';
import { createTopic, uniqueTopic } from '/work/main/bench/lib/kafka-admin.mjs';
const brokers = process.env.KAFKA_BROKERS;
const n = Number(process.env.N ?? 100000);
const url = await createDatabase('outboxkit_bench_dev');
await applyMigrations(url);
if (process.env.JIT_OFF) { const pg = (await import('pg')).default; const c = new pg.Client({ connectionString: url }); await c.connect(); await c.query('ALTER DATABASE outboxkit_bench_dev SET jit = off'); await c.end(); }
for (const bs of (process.env.BATCHES ?? '1000').split(',')) {
  const topic = uniqueTopic('dev');
  await createTopic(brokers, topic, 3);
  await seedOutbox(url, { topic, messages: n, keys: 10000, payloadBytes: 1024 });
  const nodeArgs = process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir', '/tmp/prof', '--cpu-prof-name', `relay-${bs}.cpuprofile`] : [];
  const r = await runWorker('relay', 'workers/relay-worker.mjs', { MODE: 'drain', DATABASE_URL: url, KAFKA_BROKERS: brokers, BATCH_SIZE: bs, EXPECT: String(n), BENCH_TRACE: process.env.TRACE ?? '', BENCH_RELAY_OPTIONS: process.env.OPTS ?? '' }, 300000, { nodeArgs });
  console.log(JSON.stringify({ jitOff: !!process.env.JIT_OFF, opts: process.env.OPTS, bs, rate: Math.round(n / (r.drainMs / 1000)), drainMs: Math.round(r.drainMs), batchP50: Math.round(r.batchDurationMs.p50), trace: Object.fromEntries(Object.entries(r.trace ?? {}).map(([k, v]) => [k, Math.round(v.totalMs)])) }));
}
