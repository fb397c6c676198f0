import { AsyncLocalStorage } from 'node:async_hooks';
import type { TransactionScope } from './transaction-scope.js';

/**
 * The ambient transaction lives in AsyncLocalStorage, so code called from a transactional method
 * can send messages and run queries without passing a transaction around.
 *
 * The storage is kept on globalThis under a registered symbol: if an application ends up with two
 * copies of @outboxkit/core (its ESM and its CommonJS build side by side, a bundler, a nested
 * install), both still see the same transaction. The key's `.v1` names the shape of what is
 * stored: a release that changes it changes the key, so two copies that disagree fail loudly
 * (no transaction) instead of misreading each other's state. Every process-wide holder of the
 * core follows this rule (default outbox, registries, half-message and savepoint contexts).
 */
const STORAGE_KEY = Symbol.for('outboxkit.ambient-transaction.v1');

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
