import type { SqlStatement } from '../ports.js';

/**
 * Takes up to `count` partitions that nobody holds or whose lease expired (database clock),
 * bumping each one's fencing token. Free partitions are preferred to expired ones; rows another
 * instance is acquiring at the same moment are skipped, and the outer condition is checked again
 * on the locked row, so two instances can never both take one partition.
 */
export function acquireLeases(leaseTable: string, instanceId: string, count: number, leaseMs: number): SqlStatement {
  const free = `(l.owner IS NULL OR l.expires_at IS NULL OR l.expires_at <= clock_timestamp())`;
  return {
    text:
      `UPDATE ${leaseTable} AS l SET owner = $1, token = l.token + 1, ` +
      `expires_at = clock_timestamp() + $2::int * interval '1 millisecond', acquired_at = clock_timestamp() ` +
      `FROM (SELECT l.partition FROM ${leaseTable} AS l WHERE ${free} ` +
      `ORDER BY (l.owner IS NOT NULL), l.partition LIMIT $3 FOR UPDATE SKIP LOCKED) AS f ` +
      `WHERE l.partition = f.partition AND ${free} ` +
      `RETURNING l.partition, l.token::text AS token`,
    values: [instanceId, leaseMs, count],
  };
}
