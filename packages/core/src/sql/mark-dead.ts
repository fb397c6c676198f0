import type { SqlStatement } from '../ports.js';
import { heldPartitions, partitionOf, type LeaseFence } from './lease-fence.js';
import { storableReason } from './storable-reason.js';

/**
 * Parks poison messages as DEAD with their reason, so they stop blocking the relay. Guarded by
 * the READY state and, with a fence, by this instance's leases (see markPublished). The reasons
 * are made storable here (bounded, no NUL), so no reason can make the statement fail.
 */
export function markDead(
  table: string,
  failures: ReadonlyArray<{ id: string; error: string }>,
  fence?: LeaseFence,
): SqlStatement {
  const head =
    `UPDATE ${table} AS o SET status = 'DEAD', last_error = f.error, parked_at = CURRENT_TIMESTAMP, attempts = o.attempts + 1 ` +
    `FROM unnest($1::uuid[], $2::text[]) AS f(id, error) WHERE o.id = f.id AND o.status = 'READY'`;
  const values: unknown[] = [failures.map((f) => f.id), failures.map((f) => storableReason(f.error))];
  if (!fence) return { text: head, values };
  const held = heldPartitions(fence, 4, true);
  return {
    text: `WITH held AS MATERIALIZED (${held.text}) ${head} AND ${partitionOf('o', 3)} IN (SELECT partition FROM held)`,
    values: [...values, fence.partitionCount, ...held.values],
  };
}
