import { createDatabase } from '/work/main/scripts/postgres.mjs';
import { applyMigrations } from '/work/main/scripts/migrate.mjs';
import { runWorker } from '/work/main/bench/lib/proc.mjs';
import { produceInboxTopic } from '/work/main/bench/measurements/inbox-throughput.mjs';
const brokers = process.env.KAFKA_BROKERS;
const url = await createDatabase('outboxkit_bench_dev');
await applyMigrations(url);
const n = Number(process.env.N ?? 20000);
const ctx = { brokers, databaseUrl: url, config: { inbox: { batchMessages: n, perMessageMessages: n }, drain: { topicPartitions: 3, payloadBytes: 1024, keys: 1000 } } };
const { topic } = await produceInboxTopic(ctx);
for (const [mode, expect, bs] of JSON.parse(process.env.PLAN ?? '[["message",2000,100],["batch",20000,500]]')) {
  const nodeArgs = process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir', '/tmp/prof', '--cpu-prof-name', `inbox-${mode}-${bs}.cpuprofile`] : [];
  const r = await runWorker('inbox', 'workers/inbox-consumer.ts', { DATABASE_URL: url, KAFKA_BROKERS: brokers, TOPIC: topic, GROUP: `dev-${mode}-${bs}-${Date.now()}`, MODE: mode, BATCH_SIZE: String(bs), EXPECT: String(expect), BENCH_TRACE: '1' }, 300000, { nodeArgs });
  console.log(JSON.stringify({ mode, bs, rate: Math.round(r.msgsPerSec), counted: r.counted, tx: r.transactions, elapsedMs: Math.round(r.elapsedMs), trace: r.trace }));
}
