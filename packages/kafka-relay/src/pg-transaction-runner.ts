import { InvalidConfigError } from '@outboxkit/core';
import type { SqlExecutor, SqlStatement, SqlTransactionRunner, SqlTransactionOptions } from '@outboxkit/core/internal';
import type { Client, Pool, PoolClient } from 'pg';
import { leftUnanswered } from './pg-connection.js';

/** Turns a driver error into the one callers see (explainPgError: timeouts become typed errors). */
export type PgErrorExplainer = (error: unknown) => unknown;

const asIs: PgErrorExplainer = (error) => error;

/** The relay's own connection to the database: a pg Pool, so the sidecar needs no Prisma client. */
export function pgExecutor(client: Pool | PoolClient | Client, explain: PgErrorExplainer = asIs): SqlExecutor {
  const run = async (statement: SqlStatement) => {
    try {
      return await client.query(statement.text, statement.values as unknown[]);
    } catch (error) {
      throw explain(error);
    }
  };
  return {
    async query<Row>(statement: SqlStatement): Promise<Row[]> {
      return (await run(statement)).rows as Row[];
    },
    async execute(statement: SqlStatement): Promise<number> {
      return (await run(statement)).rowCount ?? 0;
    },
  };
}

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
const SETTING_VALUE = /^[A-Za-z0-9_.]+$/;

/**
 * The text that opens a transaction with its transaction-local settings, e.g.
 * `BEGIN; SET LOCAL lock_timeout = '10000ms'; SET LOCAL jit = 'off'`. Sent without bind values,
 * pg uses the simple query protocol, which accepts several statements in one round trip; that
 * saves one round trip per batch over `BEGIN` followed by a parameterised `set_config`. The
 * settings are therefore literals, and only plain names and values are accepted: anything that
 * could close the quotes is refused.
 */
export function beginStatement(settings: Readonly<Record<string, string>> = {}): string {
  const parts = ['BEGIN'];
  for (const [name, value] of Object.entries(settings)) {
    if (!SETTING_NAME.test(name)) throw new InvalidConfigError('transaction setting', `"${name}" is not a plain setting name`);
    if (!SETTING_VALUE.test(value)) {
      throw new InvalidConfigError(`transaction setting ${name}`, `"${value}" is not a plain value (letters, digits, "_", ".")`);
    }
    parts.push(`SET LOCAL ${name} = '${value}'`);
  }
  return parts.join('; ');
}

export function pgTransactionRunner(pool: Pool, explain: PgErrorExplainer = asIs): SqlTransactionRunner {
  return {
    async transaction<T>(work: (executor: SqlExecutor) => Promise<T>, options: SqlTransactionOptions = {}): Promise<T> {
      // Validated before a connection is taken: a bad setting is a programming error, not a failed batch.
      const begin = beginStatement(options.settings);
      const client = await pool.connect().catch((error: unknown) => {
        throw explain(error);
      });
      let broken = false;
      // pg-pool removes its idle error listener while a client is checked out, so a connection
      // the server ends while this transaction waits (for Kafka, say: a PostgreSQL restart, or an
      // administrator terminating it) would emit an unhandled 'error' and crash the process. Note
      // it instead: the next statement fails, the batch rolls back, the client is discarded.
      const onError = (): void => {
        broken = true;
      };
      client.on('error', onError);
      // Without bind values: the simple query protocol, which runs BEGIN's several statements.
      const simple = (text: string) =>
        client.query(text).catch((error: unknown) => {
          throw explain(error);
        });
      try {
        await simple(begin);
        const result = await work(pgExecutor(client, explain));
        await simple('COMMIT');
        return result;
      } catch (error) {
        if (leftUnanswered(error)) {
          // The server never answered a statement: a ROLLBACK would only queue behind it. The
          // connection is dropped instead, which ends the transaction on the server.
          broken = true;
        } else {
          try {
            await client.query('ROLLBACK');
          } catch {
            // The connection itself failed; do not return it to the pool.
            broken = true;
          }
        }
        throw error;
      } finally {
        client.removeListener('error', onError);
        client.release(broken);
      }
    },
  };
}
