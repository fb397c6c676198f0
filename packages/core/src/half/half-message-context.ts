import { AsyncLocalStorage } from 'node:async_hooks';
import type { HalfMessageContext } from './half-message.js';

/** Kept on globalThis like the ambient transaction, so two copies of the core share it. */
const STORAGE_KEY = Symbol.for('outboxkit.half-message.v1');

function storage(): AsyncLocalStorage<HalfMessageContext> {
  const holder = globalThis as unknown as Record<symbol, AsyncLocalStorage<HalfMessageContext> | undefined>;
  let existing = holder[STORAGE_KEY];
  if (!existing) {
    existing = new AsyncLocalStorage<HalfMessageContext>();
    holder[STORAGE_KEY] = existing;
  }
  return existing;
}

/**
 * The half message whose local transaction is running (inside a @HalfMessage method or a
 * `sendHalf` local step), or undefined. Use its `transactionId` as the idempotency key of the
 * external call, so the checker can look the outcome up later.
 */
export function currentHalfMessage(): HalfMessageContext | undefined {
  return storage().getStore();
}

export function runWithHalfMessage<T>(context: HalfMessageContext, work: () => T): T {
  return storage().run(context, work);
}
