// 3. Cost to the business transaction (workers/transaction-cost.ts runs the variants with the
// generated Prisma client). One worker process per run; each run measures every variant at every
// writer count.
import { runWorker } from '../lib/proc.mjs';

export async function transactionCostOnce(ctx, { run }) {
  const { txcost } = ctx.config;
  const variants = 4;
  const budget = txcost.writers.length * variants * (txcost.durationMs + txcost.warmupMs) + 120_000;
  const result = await runWorker(
    'transaction-cost',
    'workers/transaction-cost.ts',
    {
      DATABASE_URL: ctx.databaseUrl,
      RUN: String(run),
      WRITERS: txcost.writers.join(','),
      DURATION_MS: String(txcost.durationMs),
      WARMUP_MS: String(txcost.warmupMs),
      SLICES: String(txcost.slices),
      SKUS: String(txcost.skus),
    },
    budget,
  );
  return result.results;
}
