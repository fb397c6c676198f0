// `npm run bench`: starts PostgreSQL and Kafka as the tests do, runs the five measurements of
// bench/README.md (each figure the median of BENCH_RUNS ≥ 3 runs), writes bench/results/<timestamp>.json
// and bench/results/latest.md, and rewrites the README's Benchmarks section. Targets are reported,
// never asserted: the exit code is non-zero only when a measurement could not be made.
//
// BENCH_QUICK=1 is a smoke run (small sizes; results under bench/results/quick/, README untouched).
// BENCH_ONLY=drain,latency,txcost,inbox picks measurements. BENCH_PROFILE=1 writes a CPU profile
// of each relay drain run to bench/results/profiles/. See bench/README.md for every variable.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, dropDatabase, ensurePostgres } from '../scripts/postgres.mjs';
import { applyMigrations } from '../scripts/migrate.mjs';
import { ensureKafka } from '../scripts/kafka.mjs';
import { config } from './lib/config.mjs';
import { createTopic, deleteTopics, uniqueTopic } from './lib/kafka-admin.mjs';
import { machineInfo } from './lib/machine.mjs';
import { BENCH_DIR, ROOT, stopAllWorkers } from './lib/proc.mjs';
import { evaluateTargets, renderLatest, renderMarkdown, summarizeResults, updateReadme } from './lib/report.mjs';
import { seedOutbox, seedPeer, setupPeerSchema, withClient } from './lib/seed.mjs';
import { relayDrainOnce } from './measurements/relay-drain.mjs';
import { rawKafkajsOnce } from './measurements/raw-kafkajs.mjs';
import { peerOnce } from './measurements/peer-pg-transactional-outbox.mjs';
import { commitLatencyOnce } from './measurements/commit-latency.mjs';
import { transactionCostOnce } from './measurements/transaction-cost.mjs';
import { inboxOnce, produceInboxTopic } from './measurements/inbox-throughput.mjs';

const DB_NAME = 'outboxkit_bench';
const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const int = (v) => Math.round(v).toLocaleString('en-US');

let kafka;
let tmpDir;
let interrupted = false;

async function cleanup() {
  await stopAllWorkers(5_000);
  if (kafka) await kafka.stop().catch((error) => log(`stopping Kafka failed: ${error.message}`));
  kafka = undefined;
  if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping everything the benchmark started`);
    cleanup().finally(() => process.exit(130));
  });
}

async function drainSuite(ctx, results) {
  const { drain, runs } = ctx.config;
  results.drain = { relay: [], raw: [], peer: Object.fromEntries(ctx.config.peer.modes.map((m) => [m, []])) };
  await setupPeerSchema(ctx.databaseUrl);
  for (let run = 0; run < runs; run += 1) {
    const topics = { relay: uniqueTopic('relay'), raw: uniqueTopic('raw') };
    for (const mode of ctx.config.peer.modes) topics[`peer-${mode}`] = uniqueTopic(`peer-${mode}`);
    for (const topic of Object.values(topics)) await createTopic(ctx.brokers, topic, drain.topicPartitions);

    log(`drain run ${run + 1}/${runs}: seeding ${int(drain.messages)} outbox rows`);
    await seedOutbox(ctx.databaseUrl, { topic: topics.relay, messages: drain.messages, keys: drain.keys, payloadBytes: drain.payloadBytes });
    const raw = await rawKafkajsOnce(ctx, { topic: topics.raw });
    results.drain.raw.push(raw);
    log(`  raw kafkajs      ${int(raw.msgsPerSec)} msgs/s (${(raw.drainMs / 1000).toFixed(2)} s, ${raw.requests} requests)`);
    const relay = await relayDrainOnce(ctx, { topic: topics.relay, run });
    results.drain.relay.push(relay);
    log(`  outboxkit relay  ${int(relay.msgsPerSec)} msgs/s (${(relay.drainMs / 1000).toFixed(2)} s, ${relay.batches} batches, start ${relay.startMs.toFixed(0)} ms)`);

    for (const mode of ctx.config.peer.modes) {
      await seedPeer(ctx.databaseUrl, { messages: drain.messages, keys: drain.keys, payloadBytes: drain.payloadBytes, mode });
      const peer = await peerOnce(ctx, { topic: topics[`peer-${mode}`] });
      results.drain.peer[mode].push(peer);
      log(`  pg-transactional-outbox (${mode}) ${int(peer.msgsPerSec)} msgs/s (${(peer.drainMs / 1000).toFixed(2)} s${peer.capped ? `, capped: ${int(peer.drained)} drained` : ''})`);
    }
    await deleteTopics(ctx.brokers, Object.values(topics));
  }
}

async function latencySuite(ctx, results) {
  results.latency = [];
  for (let run = 0; run < ctx.config.runs; run += 1) {
    log(`latency run ${run + 1}/${ctx.config.runs}: ${ctx.config.latency.rate} msgs/s for ${ctx.config.latency.durationMs / 1000} s`);
    const r = await commitLatencyOnce(ctx, { run });
    results.latency.push(r);
    const a = r.commitToAckMs;
    const c = r.commitToConsumedMs;
    log(`  achieved ${int(r.achievedRate)} msgs/s; commit→ack p50 ${a?.p50.toFixed(2)} p99 ${a?.p99.toFixed(2)} ms; commit→consumer p50 ${c.p50.toFixed(2)} p99 ${c.p99.toFixed(2)} ms`);
  }
}

async function txcostSuite(ctx, results) {
  results.txcost = [];
  for (let run = 0; run < ctx.config.runs; run += 1) {
    log(`transaction cost run ${run + 1}/${ctx.config.runs}`);
    const r = await transactionCostOnce(ctx, { run });
    results.txcost.push(r);
    for (const [w, v] of Object.entries(r)) {
      log(`  ${w} writer(s): ${Object.entries(v).map(([k, x]) => `${k} p50 ${x.latencyMs.p50.toFixed(2)} ms ${int(x.txPerSec)} tx/s`).join('; ')}`);
    }
  }
}

async function inboxSuite(ctx, results) {
  log('inbox: producing the input topic');
  const { topic } = await produceInboxTopic(ctx);
  // Keys: `batch-<batchSize>` and `message`.
  const variants = [...ctx.config.inbox.batchSizes.map((batchSize) => ({ key: `batch-${batchSize}`, mode: 'batch', batchSize })), { key: 'message', mode: 'message', batchSize: 1 }];
  results.inbox = Object.fromEntries(variants.map((v) => [v.key, []]));
  for (let run = 0; run < ctx.config.runs; run += 1) {
    for (const { key, mode, batchSize } of variants) {
      const r = await inboxOnce(ctx, { topic, mode, batchSize, run });
      results.inbox[key].push(r);
      log(`inbox run ${run + 1}/${ctx.config.runs} ${key}: ${int(r.msgsPerSec)} msgs/s (${int(r.counted)} records, ${r.transactions} transactions)`);
    }
  }
  await deleteTopics(ctx.brokers, [topic]);
}

const SUITES = { drain: drainSuite, latency: latencySuite, txcost: txcostSuite, inbox: inboxSuite };
/** The config sections each suite's figures depend on (for BENCH_MERGE). */
const SUITE_CONFIG = { drain: ['drain', 'peer'], latency: ['latency'], txcost: ['txcost'], inbox: ['inbox'] };

/**
 * BENCH_MERGE: re-measure only BENCH_ONLY's suites and take the others, with the config they were
 * measured with, from an earlier results file. The report says which suites came from which run.
 */
async function mergeEarlier(results, reportConfig) {
  if (!config.merge) return [];
  const earlier = JSON.parse(await readFile(path.resolve(ROOT, config.merge), 'utf8'));
  const merged = [];
  for (const suite of Object.keys(SUITES)) {
    if (config.only.includes(suite) || !earlier.runs?.[suite]) continue;
    results[suite] = earlier.runs[suite];
    for (const section of SUITE_CONFIG[suite]) reportConfig[section] = earlier.config[section];
    // The latency and inbox suites also read the drain section (batch size, partitions, payload).
    if (!config.only.includes('drain') && earlier.config.drain) reportConfig.drain = earlier.config.drain;
    merged.push({ suite, from: path.basename(config.merge), finishedAt: earlier.finishedAt, loadAverageAtStart: earlier.machine?.loadAverageAtStart });
  }
  return merged;
}

async function main() {
  if (config.runs < 3) log(`warning: BENCH_RUNS=${config.runs}; the issue asks for the median of at least three runs`);
  const startedAt = new Date().toISOString();
  log(`${config.quick ? 'QUICK smoke run' : 'full run'}: ${config.only.join(', ')}; ${config.runs} runs each`);
  await ensurePostgres();
  const databaseUrl = await createDatabase(DB_NAME);
  await applyMigrations(databaseUrl);
  // Experiments only (default none): BENCH_PG_SETTINGS="jit=off,synchronous_commit=off" sets them for
  // every session of the bench database; they are recorded with the results.
  for (const [name, value] of config.pgSettings) {
    await withClient(databaseUrl, (c) => c.query(`ALTER DATABASE ${DB_NAME} SET ${name} = '${value}'`));
    log(`database setting ${name} = ${value}`);
  }
  kafka = await ensureKafka();
  tmpDir = await mkdtemp(path.join(os.tmpdir(), 'outboxkit-bench-'));
  const resultsDir = path.join(BENCH_DIR, 'results', ...(config.quick ? ['quick'] : []));
  const profileDir = path.join(BENCH_DIR, 'results', 'profiles');
  await mkdir(resultsDir, { recursive: true });
  if (config.profile) await mkdir(profileDir, { recursive: true });
  const ctx = { config, databaseUrl, brokers: kafka.brokers, tmpDir, profileDir };
  const machine = await machineInfo({ databaseUrl, kafka });
  log(`${machine.cpuModel}, ${machine.cores} cores; PostgreSQL ${machine.postgres}; ${machine.kafka}; load ${machine.loadAverageAtStart.join(' / ')}`);

  const results = {};
  const errors = [];
  for (const name of config.only) {
    const began = Date.now();
    try {
      await SUITES[name](ctx, results);
    } catch (error) {
      if (interrupted) return 130;
      log(`${name} FAILED: ${error.stack ?? error}`);
      errors.push({ measurement: name, message: String(error.message ?? error) });
      delete results[name];
      await stopAllWorkers(5_000);
    }
    log(`${name} took ${((Date.now() - began) / 1000).toFixed(0)} s`);
  }

  const reportConfig = { ...config };
  const merged = await mergeEarlier(results, reportConfig);
  const summary = summarizeResults(results);
  const targets = evaluateTargets(summary);
  const report = {
    startedAt,
    finishedAt: new Date().toISOString(),
    quick: config.quick,
    config: reportConfig,
    merged,
    machine,
    loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
    summary,
    targets,
    errors,
    runs: results,
  };
  const stamp = report.finishedAt.replace(/[:.]/g, '-');
  const jsonPath = path.join(resultsDir, `${stamp}.json`);
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(resultsDir, 'latest.md'), renderLatest(report));
  const complete = errors.length === 0 && Object.keys(SUITES).every((suite) => results[suite]);
  if (!config.quick && (complete || process.env.BENCH_UPDATE_README === '1')) {
    await updateReadme(path.join(ROOT, 'README.md'), renderMarkdown(report));
    log('README.md Benchmarks section updated');
  }

  process.stdout.write(`\n${renderMarkdown(report)}\n\n`);
  log(`results: ${path.relative(ROOT, jsonPath)} and ${path.relative(ROOT, path.join(resultsDir, 'latest.md'))}`);
  return errors.length === 0 ? 0 : 1;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  log(`failed: ${error.stack ?? error}`);
} finally {
  await cleanup();
  if (process.env.BENCH_KEEP_DB !== '1') await dropDatabase(DB_NAME).catch(() => {});
}
process.exit(exitCode);
