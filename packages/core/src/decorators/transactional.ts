import { getDefaultOutbox } from '../default-outbox.js';
import { InvalidTransactionOptionsError } from '../errors.js';
import type { OutboxContract } from '../outbox-contract.js';
import type { TransactionOptions } from '../ports.js';
import { checkTransactionOptions } from '../transaction/transaction-options.js';
import { createMethodDecorator, type MethodDecorator } from './wrap-method.js';

export interface TransactionalOptions extends TransactionOptions {
  /** The Outbox to use (or a function returning it). Default: the default Outbox. */
  outbox?: OutboxContract | (() => OutboxContract);
}

/**
 * Runs the decorated method in an outbox transaction: its Prisma writes and the messages it sends
 * commit together, or roll back together when it throws. Called inside another transaction it
 * joins it (propagation 'required'), or behaves as `options.propagation` says
 * (docs/guarantees.md §4.8). The options are checked here, when the class is defined.
 */
export function Transactional(options: TransactionalOptions = {}): MethodDecorator {
  const { outbox, transactionOptions } = splitOptions(options);
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
  if (typeof fn !== 'function') {
    throw new InvalidTransactionOptionsError('fn', `must be the function to wrap, got ${typeof fn}. Pass transactional(async (...args) => { ... }, options).`);
  }
  const { outbox, transactionOptions } = splitOptions(options);
  const wrapped = function (this: unknown, ...args: Args) {
    return resolveOutbox(outbox).transaction(() => fn.apply(this, args), transactionOptions);
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  return wrapped;
}

function splitOptions(options: unknown): { outbox: TransactionalOptions['outbox']; transactionOptions: TransactionOptions } {
  checkTransactionOptions(options, ['outbox']);
  const { outbox, ...transactionOptions } = (options ?? {}) as TransactionalOptions;
  if (outbox !== undefined && typeof outbox !== 'function' && typeof (outbox as Partial<OutboxContract>)?.transaction !== 'function') {
    throw new InvalidTransactionOptionsError('outbox', 'must be an Outbox or a function returning one (e.g. { outbox: () => outbox }).');
  }
  return { outbox, transactionOptions };
}

function resolveOutbox(outbox: TransactionalOptions['outbox']): OutboxContract {
  if (!outbox) return getDefaultOutbox();
  return typeof outbox === 'function' ? outbox() : outbox;
}
