import type { SqlStatement } from '../ports.js';

/** Parks poison messages as DEAD with their reason, so they stop blocking the relay. */
export function markDead(table: string, failures: ReadonlyArray<{ id: string; error: string }>): SqlStatement {
  return {
    text:
      `UPDATE ${table} AS o SET status = 'DEAD', last_error = f.error, attempts = o.attempts + 1 ` +
      `FROM unnest($1::uuid[], $2::text[]) AS f(id, error) WHERE o.id = f.id AND o.status = 'READY'`,
    values: [failures.map((f) => f.id), failures.map((f) => f.error)],
  };
}
