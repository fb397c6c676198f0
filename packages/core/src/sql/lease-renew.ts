import type { SqlStatement } from '../ports.js';

/** A lease as the lease statements return it; the token is a bigint, read as text. */
export interface LeaseRow {
  partition: number;
  token: string;
}

/**
 * Extends the leases this instance holds, by partition and fencing token. Returns the ones
 * extended: a lease missing from the result was taken by another instance (its token moved on)
 * and is lost. A lease that lapsed but that nobody took keeps its token and is extended: no one
 * else can have published from it in between, since taking it would have changed the token.
 */
export function renewLeases(leaseTable: string, instanceId: string, held: readonly LeaseRow[], leaseMs: number): SqlStatement {
  return {
    text:
      `UPDATE ${leaseTable} AS l SET expires_at = clock_timestamp() + $2::int * interval '1 millisecond' ` +
      `FROM unnest($3::int[], $4::bigint[]) AS h(partition, token) ` +
      `WHERE l.partition = h.partition AND l.token = h.token AND l.owner = $1 ` +
      `RETURNING l.partition, l.token::text AS token`,
    values: [instanceId, leaseMs, held.map((h) => h.partition), held.map((h) => h.token)],
  };
}
