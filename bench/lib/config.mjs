// Sizes and switches, from the environment. BENCH_QUICK=1 is a smoke run (small sizes, results
// under bench/results/quick/, README untouched); the default is the sizes.
const env = process.env;
const num = (name, fallback) => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
};

export const QUICK = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';

export const MEASUREMENTS = ['drain', 'latency', 'txcost', 'inbox'];

function only() {
  if (!env.BENCH_ONLY) return MEASUREMENTS;
  const picked = env.BENCH_ONLY.split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of picked) {
    if (!MEASUREMENTS.includes(p)) throw new Error(`BENCH_ONLY: unknown measurement "${p}" (known: ${MEASUREMENTS.join(', ')})`);
  }
  return picked;
}

export const config = {
  quick: QUICK,
  only: only(),
  /** Runs per figure; each figure is the median. At least 3 unless BENCH_RUNS says otherwise. */
  runs: num('BENCH_RUNS', 3),
  drain: {
    messages: num('BENCH_DRAIN_MESSAGES', QUICK ? 5_000 : 100_000),
    payloadBytes: num('BENCH_PAYLOAD_BYTES', 1_024),
    keys: num('BENCH_KEYS', QUICK ? 500 : 10_000),
    /** Relay batch size (also the raw kafkajs batch size). */
    batchSize: num('BENCH_BATCH_SIZE', 1_000),
    topicPartitions: num('BENCH_TOPIC_PARTITIONS', 3),
    /** A relay or raw run that has not finished by then fails the run. */
    timeoutMs: num('BENCH_DRAIN_TIMEOUT_MS', QUICK ? 60_000 : 300_000),
  },
  peer: {
    /** `ordered` (per-key order, like outboxkit) and/or `unordered` (the peer's fastest mode). */
    modes: (env.BENCH_PEER_MODES ?? 'ordered,unordered').split(',').map((s) => s.trim()).filter(Boolean),
    /** The peer handles one message per transaction; a run stops after this long and reports the rate so far. */
    capMs: num('BENCH_PEER_CAP_MS', QUICK ? 15_000 : 60_000),
    batchSize: num('BENCH_PEER_BATCH_SIZE', 30),
    pollingIntervalMs: num('BENCH_PEER_POLL_MS', 10),
    poolSize: num('BENCH_PEER_POOL', 20),
  },
  latency: {
    rate: num('BENCH_LATENCY_RATE', 1_000),
    /** Messages per writer transaction: 2 → 500 transactions/s, which one Prisma writer process sustains here. */
    perTx: num('BENCH_LATENCY_PER_TX', 2),
    durationMs: num('BENCH_LATENCY_SECONDS', QUICK ? 5 : 30) * 1_000,
    warmupMs: num('BENCH_LATENCY_WARMUP_SECONDS', QUICK ? 1 : 3) * 1_000,
  },
  txcost: {
    /** Measured time per variant and writer count in one run, cut into `slices` interleaved slices. */
    durationMs: num('BENCH_TX_SECONDS', QUICK ? 2 : 8) * 1_000,
    slices: num('BENCH_TX_SLICES', 4),
    warmupMs: num('BENCH_TX_WARMUP_SECONDS', QUICK ? 0.5 : 2) * 1_000,
    writers: (env.BENCH_TX_WRITERS ?? '1,8').split(',').map(Number),
    skus: 1_000,
  },
  inbox: {
    batchMessages: num('BENCH_INBOX_BATCH_MESSAGES', QUICK ? 5_000 : 100_000),
    perMessageMessages: num('BENCH_INBOX_MESSAGE_MESSAGES', QUICK ? 2_000 : 5_000),
    /** InboxConsumer batchSize values measured in batch mode; `default` leaves it to the library (1000). */
    batchSizes: (env.BENCH_INBOX_BATCH_SIZES ?? 'default').split(',').map((v) => (v === 'default' ? v : Number(v))),
    timeoutMs: num('BENCH_INBOX_TIMEOUT_MS', QUICK ? 60_000 : 300_000),
  },
  profile: env.BENCH_PROFILE === '1',
  /** BENCH_MERGE=<results json>: the suites not in BENCH_ONLY are taken from that earlier run (labelled). */
  merge: env.BENCH_MERGE || undefined,
  /** BENCH_PG_SETTINGS="jit=off,…": database settings for experiments (none by default). */
  pgSettings: (env.BENCH_PG_SETTINGS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((kv) => {
      const m = /^([a-z_]+)=([A-Za-z0-9_.]+)$/.exec(kv);
      if (!m) throw new Error(`BENCH_PG_SETTINGS: "${kv}" is not name=value`);
      return [m[1], m[2]];
    }),
};
