import type { SqlExecutor, SqlStatement, SqlTransactionRunner } from '@outboxkit/core';
import type { Client, Pool, PoolClient } from 'pg';

/** The relay's own connection to the database: a pg Pool, so the sidecar needs no Prisma client. */
export function pgExecutor(client: Pool | PoolClient | Client): SqlExecutor {
  return {
    async query<Row>(statement: SqlStatement): Promise<Row[]> {
      const result = await client.query(statement.text, statement.values as unknown[]);
      return result.rows as Row[];
    },
    async execute(statement: SqlStatement): Promise<number> {
      const result = await client.query(statement.text, statement.values as unknown[]);
      return result.rowCount ?? 0;
    },
  };
}

export function pgTransactionRunner(pool: Pool): SqlTransactionRunner {
  return {
    async transaction<T>(work: (executor: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work(pgExecutor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          // The connection itself failed; do not return it to the pool.
          broken = true;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}
