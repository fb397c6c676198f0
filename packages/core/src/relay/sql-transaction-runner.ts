import type { SqlExecutor } from '../ports.js';

/** Runs `work` in a database transaction on a connection of the relay's own. */
export interface SqlTransactionRunner {
  transaction<T>(work: (executor: SqlExecutor) => Promise<T>): Promise<T>;
}
