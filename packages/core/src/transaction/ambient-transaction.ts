import { AsyncLocalStorage } from 'node:async_hooks';
import type { TransactionScope } from './transaction-scope.js';

/**
 * The ambient transaction lives in AsyncLocalStorage, so code called from a transactional method
 * can send messages and run queries without passing a transaction around.
 *
 * The storage is kept on globalThis under a registered symbol: if an application ends up with two
 * copies of @outboxkit/core (a bundler, a nested install), both still see the same transaction.
 */
const STORAGE_KEY = Symbol.for('outboxkit.ambient-transaction');

type Store = AsyncLocalStorage<TransactionScope>;

function storage(): Store {
  const holder = globalThis as unknown as Record<symbol, Store | undefined>;
  let existing = holder[STORAGE_KEY];
  if (!existing) {
    existing = new AsyncLocalStorage<TransactionScope>();
    holder[STORAGE_KEY] = existing;
  }
  return existing;
}

/** The open transaction of the current async context, if any. */
export function currentScope(): TransactionScope | undefined {
  // Closed scopes are returned too, so a late caller gets "transaction closed", not "no transaction".
  return storage().getStore();
}

export function runInScope<T>(scope: TransactionScope, work: () => Promise<T>): Promise<T> {
  return storage().run(scope, work);
}

/** Runs `work` with no ambient transaction (for work that must not join the caller's). */
export function runOutsideScope<T>(work: () => T): T {
  return storage().exit(work);
}
