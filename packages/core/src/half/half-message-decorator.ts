import { createMethodDecorator, type MethodDecorator } from '../decorators/wrap-method.js';
import type { OutboxMessageInput } from '../message.js';
import type { Outbox } from '../outbox.js';
import type { LocalTransactionMode } from './local-transaction-state.js';
import { runHalfTransaction } from './send-half-message.js';

export interface HalfMessageOptions {
  /** The producer group whose checker answers the back-check. Required. */
  producerGroup: string;
  /**
   * Builds the message from the method's arguments (called with the method's `this`), before the
   * method runs: the half message must be durable before the local transaction starts.
   */
  message: (...args: any[]) => OutboxMessageInput & { transactionId?: string; checkImmunityMs?: number };
  /** Where the method's work runs: `external` (default) or `database` (see LocalTransactionMode). */
  localTransaction?: LocalTransactionMode;
  /** The Outbox to use (or a function returning it). Default: the default Outbox. */
  outbox?: Outbox<any> | (() => Outbox<any>);
  /** `database` mode: the local transaction's timeout, ms (default: the Outbox's, else 5,000). */
  timeoutMs?: number;
}

/**
 * Makes the decorated method the local transaction of a half message:
 *
 * 1. `message(...args)` is written as a HALF row, committed on its own;
 * 2. the method runs (inside it, `currentHalfMessage()` gives the message and transaction ids);
 * 3. it returns → COMMIT; it throws `LocalTransactionRollback` → ROLLBACK; it throws anything else
 *    → UNKNOWN in `external` mode (the group's checker decides later), ROLLBACK in `database` mode
 *    (outboxkit ran the transaction and saw it roll back). The method's error is rethrown and its
 *    value returned, as if undecorated.
 *
 * A different decision that got there first (the checker rolled back while the method was still
 * running, then the method returned) throws `HalfMessageAlreadyResolvedError`.
 *
 * Works under legacy (NestJS) and TC39 decorators; the method keeps its name and reflect-metadata.
 *
 * Beside `sendHalf(message, local)` because the local step here is a method of a class with its
 * dependencies (a Nest service), and its own outcome — value or error — reaches the caller
 * unchanged, where `sendHalf`'s caller gets a `HalfSendResult` instead.
 */
export function HalfMessage(options: HalfMessageOptions): MethodDecorator {
  return createMethodDecorator('HalfMessage', (original) => {
    return async function halfMessageMethod(this: unknown, ...args: unknown[]) {
      const outbox = typeof options.outbox === 'function' ? options.outbox() : options.outbox;
      const input = options.message.apply(this, args);
      const run = await runHalfTransaction(
        { ...input, producerGroup: options.producerGroup },
        {
          ...(outbox ? { outbox } : {}),
          ...(options.localTransaction ? { localTransaction: options.localTransaction } : {}),
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        },
        async () => ({ state: 'COMMIT' as const, value: await original.apply(this, args) }),
      );
      if (run.conflict) {
        if (run.result.error !== undefined) (run.conflict as { cause?: unknown }).cause ??= run.result.error;
        throw run.conflict;
      }
      if (run.result.error !== undefined) throw run.result.error;
      return run.value;
    };
  });
}
