import type { SqlStatement } from '../ports.js';
import { heldPartitions, partitionOf, type LeaseFence } from './lease-fence.js';

/**
 * Acknowledges a whole published batch in one statement, guarded by the expected state. With a
 * fence, only rows of partitions this instance still validly leases are touched, and those lease
 * rows are share-locked until commit so no other instance can take them in between: the caller
 * compares the affected-row count with the batch size and rolls back on a mismatch.
 */
export function markPublished(table: string, ids: readonly string[], fence?: LeaseFence): SqlStatement {
  const set = `SET status = 'PUBLISHED', published_at = CURRENT_TIMESTAMP, attempts = o.attempts + 1`;
  if (!fence) {
    return { text: `UPDATE ${table} AS o ${set} WHERE o.id = ANY($1::uuid[]) AND o.status = 'READY'`, values: [ids] };
  }
  const held = heldPartitions(fence, 3, true);
  return {
    text:
      `WITH held AS MATERIALIZED (${held.text}) UPDATE ${table} AS o ${set} ` +
      `WHERE o.id = ANY($1::uuid[]) AND o.status = 'READY' AND ${partitionOf('o', 2)} IN (SELECT partition FROM held)`,
    values: [ids, fence.partitionCount, ...held.values],
  };
}

/** Retention "delete": removes a published batch instead of keeping it (same guard and fence). */
export function deletePublished(table: string, ids: readonly string[], fence?: LeaseFence): SqlStatement {
  if (!fence) {
    return { text: `DELETE FROM ${table} AS o WHERE o.id = ANY($1::uuid[]) AND o.status = 'READY'`, values: [ids] };
  }
  const held = heldPartitions(fence, 3, true);
  return {
    text:
      `WITH held AS MATERIALIZED (${held.text}) DELETE FROM ${table} AS o ` +
      `WHERE o.id = ANY($1::uuid[]) AND o.status = 'READY' AND ${partitionOf('o', 2)} IN (SELECT partition FROM held)`,
    values: [ids, fence.partitionCount, ...held.values],
  };
}
