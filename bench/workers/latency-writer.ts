// The application for the latency measurement: Prisma transactions that each send PER_TX ~1 KB
// messages, started on a fixed schedule (open loop: RATE messages per second, whether or not
// earlier transactions have finished), with the after-commit nudge the relay sidecar listens for.
// Records, per message id, the moment its transaction resolved (commit), on the system-wide
// monotonic clock. The writer must not be saturated: a late `then` would record a late commit.
//
//   DATABASE_URL TOPIC RATE PER_TX DURATION_MS WARMUP_MS COMMIT_FILE
import { writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { nudgeRelayAfterCommit, send } from '@outboxkit/core';
import { nowMs } from '../lib/clock.mjs';
import { summarize } from '../lib/stats.mjs';
import { emit, env, runMain } from '../lib/worker-io.mjs';
import { createApp } from './prisma.js';

async function main(): Promise<void> {
  const topic = env('TOPIC');
  const rate = Number(env('RATE'));
  const perTx = Number(env('PER_TX', '1'));
  const durationMs = Number(env('DURATION_MS'));
  const warmupMs = Number(env('WARMUP_MS'));
  const app = createApp(env('DATABASE_URL'));
  const stopNudging = nudgeRelayAfterCommit(app.outbox.events, app.outbox.executor);
  const filler = 'x'.repeat(960);

  // Connect the pool before the clock starts.
  await app.prisma.$queryRaw`SELECT 1`;

  const commits = new Map<string, number>();
  const txMs: number[] = [];
  const txRate = rate / perTx;
  const intervalMs = 1000 / txRate;
  const total = Math.round(((warmupMs + durationMs) / 1000) * txRate);
  const warmupCount = Math.round((warmupMs / 1000) * txRate);
  let inFlight = 0;
  let maxInFlight = 0;
  let failures = 0;
  const pending: Promise<void>[] = [];

  const start = nowMs();
  const measureFrom = start + warmupMs;
  let next = 0;
  while (next < total) {
    const now = nowMs();
    while (next < total && start + next * intervalMs <= now) {
      const n = next++;
      const measured = n >= warmupCount;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const begun = nowMs();
      pending.push(
        app.outbox
          .transaction(async () =>
            Array.from({ length: perTx }, (_, m) =>
              send({ topic, key: `key-${(n * perTx + m) % 1000}`, type: 'BenchEvent', value: { seq: n * perTx + m, data: filler } }),
            ),
          )
          .then(
            (ids) => {
              const committed = nowMs();
              if (measured) {
                for (const id of ids) commits.set(id, committed);
                txMs.push(committed - begun);
              }
            },
            (error: unknown) => {
              failures += 1;
              process.stderr.write(`transaction failed: ${String(error)}\n`);
            },
          )
          .finally(() => {
            inFlight -= 1;
          }),
      );
    }
    const wait = start + next * intervalMs - nowMs();
    await delay(Math.max(0, Math.floor(wait)));
  }
  await Promise.all(pending);
  const elapsed = nowMs() - measureFrom;
  stopNudging();
  await writeFile(env('COMMIT_FILE'), JSON.stringify(Object.fromEntries(commits)));
  await app.prisma.$disconnect();
  emit('result', {
    committed: commits.size,
    warmup: warmupCount,
    failures,
    offeredRate: rate,
    perTransaction: perTx,
    achievedRate: commits.size / (elapsed / 1000),
    maxInFlight,
    transactionMs: summarize(txMs),
  });
  process.exit(0);
}

runMain(main);
