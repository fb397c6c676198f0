import type { SqlStatement } from '../ports.js';

/**
 * Namespace (first key of the two-key advisory lock) of the retention cleanup lock; the second
 * key is `hashtext(<table name>)`. Distinct from KEY_LOCK_NAMESPACE. 0x6f72 = "or".
 */
export const CLEANUP_LOCK_NAMESPACE = 0x6f72;

/**
 * Takes the cleanup lock for the calling transaction if no other instance holds it; returns a
 * row `{ locked: boolean }`. One instance at a time cleans up; the others skip their turn.
 */
export function tryCleanupLock(table: string): SqlStatement {
  return {
    text: `SELECT pg_try_advisory_xact_lock(${CLEANUP_LOCK_NAMESPACE}, hashtext($1)) AS locked`,
    values: [table],
  };
}

/**
 * Deletes at most `limit` PUBLISHED rows published more than `olderThanMs` ago, oldest first
 * (bounded: one short transaction per batch; uses the partial index on published_at).
 */
export function deleteExpiredPublished(table: string, olderThanMs: number, limit: number): SqlStatement {
  return {
    text:
      `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE status = 'PUBLISHED' ` +
      `AND published_at < clock_timestamp() - $1::bigint * interval '1 millisecond' ORDER BY published_at LIMIT $2)`,
    values: [olderThanMs, limit],
  };
}
