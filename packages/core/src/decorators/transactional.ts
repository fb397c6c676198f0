import { getDefaultOutbox } from '../default-outbox.js';
import type { Outbox } from '../outbox.js';
import type { TransactionOptions } from '../ports.js';
import { createMethodDecorator, type MethodDecorator } from './wrap-method.js';

export interface TransactionalOptions extends TransactionOptions {
  /** The Outbox to use (or a function returning it). Default: the default Outbox. */
  outbox?: Outbox<any> | (() => Outbox<any>);
}

/**
 * Runs the decorated method in an outbox transaction: its Prisma writes and the messages it sends
 * commit together, or roll back together when it throws. Nested calls join the outer transaction.
 */
export function Transactional(options: TransactionalOptions = {}): MethodDecorator {
  const { outbox, ...transactionOptions } = options;
  return createMethodDecorator('Transactional', (original) => {
    return function transactionalMethod(this: unknown, ...args: unknown[]) {
      const target = resolveOutbox(outbox);
      return target.transaction(async () => original.apply(this, args), transactionOptions);
    };
  });
}

/** Plain-function form: wraps `fn` so every call runs in an outbox transaction. */
export function transactional<Args extends unknown[], R>(
  fn: (...args: Args) => Promise<R>,
  options: TransactionalOptions = {},
): (...args: Args) => Promise<R> {
  const { outbox, ...transactionOptions } = options;
  const wrapped = function (this: unknown, ...args: Args) {
    return resolveOutbox(outbox).transaction(() => fn.apply(this, args), transactionOptions);
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  return wrapped;
}

function resolveOutbox(outbox: TransactionalOptions['outbox']): Outbox<any> {
  if (!outbox) return getDefaultOutbox();
  return typeof outbox === 'function' ? outbox() : outbox;
}
