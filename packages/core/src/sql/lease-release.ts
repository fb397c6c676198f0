import type { SqlStatement } from '../ports.js';
import type { LeaseRow } from './lease-renew.js';

/**
 * Gives up leases (rebalancing, or shutdown): guarded by owner and token, so a lease that was
 * already lost is left alone. Returns the released partitions.
 */
export function releaseLeases(leaseTable: string, instanceId: string, leases: readonly LeaseRow[]): SqlStatement {
  return {
    text:
      `UPDATE ${leaseTable} AS l SET owner = NULL, expires_at = NULL ` +
      `FROM unnest($2::int[], $3::bigint[]) AS h(partition, token) ` +
      `WHERE l.partition = h.partition AND l.token = h.token AND l.owner = $1 ` +
      `RETURNING l.partition`,
    values: [instanceId, leases.map((h) => h.partition), leases.map((h) => h.token)],
  };
}

/** Shutdown: releases every lease this instance holds, whatever it believes it holds. */
export function releaseAllLeases(leaseTable: string, instanceId: string): SqlStatement {
  return {
    text: `UPDATE ${leaseTable} SET owner = NULL, expires_at = NULL WHERE owner = $1 RETURNING partition`,
    values: [instanceId],
  };
}
