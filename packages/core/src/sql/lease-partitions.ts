import type { SqlStatement } from '../ports.js';

/** Creates the lease rows 0 … count-1 that do not exist yet (idempotent; safe to race). */
export function ensureLeasePartitions(leaseTable: string, count: number): SqlStatement {
  return {
    text: `INSERT INTO ${leaseTable} (partition) SELECT generate_series(0, $1::int - 1) ON CONFLICT (partition) DO NOTHING`,
    values: [count],
  };
}

/** How many lease rows exist and the highest partition number: both must match the configured count. */
export function countLeasePartitions(leaseTable: string): SqlStatement {
  return { text: `SELECT count(*)::int AS count, coalesce(max(partition), -1)::int AS max FROM ${leaseTable}`, values: [] };
}
