import type { SqlStatement } from '../ports.js';

/** Acknowledges a whole published batch in one statement, guarded by the expected state. */
export function markPublished(table: string, ids: readonly string[]): SqlStatement {
  return {
    text:
      `UPDATE ${table} SET status = 'PUBLISHED', published_at = CURRENT_TIMESTAMP, attempts = attempts + 1 ` +
      `WHERE id = ANY($1::uuid[]) AND status = 'READY'`,
    values: [ids],
  };
}

/** Retention "delete": removes a published batch instead of keeping it. */
export function deletePublished(table: string, ids: readonly string[]): SqlStatement {
  return {
    text: `DELETE FROM ${table} WHERE id = ANY($1::uuid[]) AND status = 'READY'`,
    values: [ids],
  };
}
