import { describeThrown, InvalidTransactionOptionsError, NoActiveTransactionError, OutboxError } from './errors.js';
import { TypedEvents } from './events.js';
import type { OutboxMessageInput, PreparedMessage } from './message.js';
import { MessageStatus } from './message-states.js';
import { resolveOutboxSettings, type MessageLimits, type OutboxOptions, type ResolvedOutboxSettings } from './outbox-settings.js';
import type { TransactionOptions, TransactionPort } from './ports.js';
import { prepareMessage } from './prepare-message.js';
import { insertMessages } from './sql/insert-messages.js';
import { currentScope, runInScope, runOutsideScope } from './transaction/ambient-transaction.js';
import { runJoined, runNested } from './transaction/propagation.js';
import { checkTransactionOptions, type OpenTransactionOptions } from './transaction/transaction-options.js';
import { TransactionScope } from './transaction/transaction-scope.js';
import { setDefaultOutbox } from './default-outbox.js';
import type { HalfMessageInput, HalfSendResult, LocalTransaction, SendHalfOptions } from './half/half-message.js';
import { sendHalf } from './half/send-half-message.js';
import type { OutboxContract, OutboxEvents } from './outbox-contract.js';

/**
 * The write side: opens transactions through the adapter's TransactionPort, buffers the messages
 * sent in them and writes them in one statement just before commit.
 */
export class Outbox<TClient = unknown> implements OutboxContract {
  readonly settings: ResolvedOutboxSettings;
  readonly events: TypedEvents<OutboxEvents>;

  constructor(
    private readonly port: TransactionPort<TClient>,
    options: OutboxOptions = {},
  ) {
    this.settings = resolveOutboxSettings(options);
    this.events = new TypedEvents<OutboxEvents>(this.settings.logger);
    if (this.settings.registerAsDefault) setDefaultOutbox(this);
  }

  get maxMessageBytes(): number {
    return this.settings.maxMessageBytes;
  }

  /** The size limits every message sent through this Outbox is checked against. */
  get messageLimits(): MessageLimits {
    const { maxMessageBytes, maxKeyBytes, maxHeaderBytes } = this.settings;
    return { maxMessageBytes, maxKeyBytes, maxHeaderBytes };
  }

  /**
   * Runs `work` in a transaction: its database calls (through the adapter's client) and the
   * messages it sends commit together or not at all. Called inside an open transaction it joins
   * it by default; `options.propagation` says otherwise (see TransactionPropagation and
   * docs/guarantees.md §4.8).
   */
  async transaction<T>(work: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (typeof work !== 'function') {
      throw new InvalidTransactionOptionsError('work', `must be a function returning a promise, got ${typeof work}. Pass outbox.transaction(async () => { ... }).`);
    }
    const { propagation, open } = checkTransactionOptions(options);
    if (propagation === 'requiresNew') return runOutsideScope(() => this.openTransaction(work, open));
    // A scope that is committing or has ended cannot be joined: the call gets a transaction of its own.
    // Only this outbox's transaction is joined; one of another outbox (another database) is not.
    const existing = currentScope(this);
    if (existing?.isOpen) return propagation === 'nested' ? runNested(existing, work) : runJoined(existing, work);
    return this.openTransaction(work, open);
  }

  private async openTransaction<T>(work: () => Promise<T>, options: OpenTransactionOptions): Promise<T> {
    let scope: TransactionScope<TClient> | undefined;
    let flushed: PreparedMessage[] = [];
    try {
      const result = await this.port.runInTransaction(
        async (handle) => {
          const opened = new TransactionScope(handle, this, currentScope());
          scope = opened;
          let value: T;
          try {
            value = await runInScope(opened as TransactionScope, work);
          } finally {
            // docs/guarantees.md §4.7: sealed before the messages are taken, so a send from
            // leftover async work throws instead of landing in a buffer already written.
            opened.seal();
          }
          opened.assertCommittable();
          flushed = opened.takePending();
          if (flushed.length > 0) {
            await handle.executor.execute(insertMessages(this.settings.tables.outbox, flushed, MessageStatus.READY));
          }
          return value;
        },
        { ...this.settings.transaction, ...options },
      );
      const hooks = scope?.close() ?? [];
      if (flushed.length > 0) {
        this.events.emit('transaction:committed', {
          messageIds: flushed.map((m) => m.id),
          topics: [...new Set(flushed.map((m) => m.topic))],
        });
      }
      if (hooks.length > 0) await runHooks(hooks, this.settings.logger);
      return result;
    } catch (error) {
      const discarded = (scope?.discard() ?? 0) + flushed.length;
      this.events.emit('transaction:rolled-back', { error, discardedMessages: discarded });
      throw error;
    }
  }

  /**
   * Sends a message as part of this outbox's current transaction and returns its id. The message
   * is validated and encoded now (a bad one throws here) and written when the transaction commits.
   *
   * Kept beside the plain `send()` for applications with two outboxes (two databases): inside
   * nested transactions of both, `outboxA.send()` writes to A's transaction while plain `send()`
   * writes to the innermost one, whichever outbox opened it (docs/transactions.md, "Two outboxes").
   */
  send(message: OutboxMessageInput): string {
    return sendInScope(currentScope(this), message);
  }

  /**
   * Sends a half message and runs its local transaction (half-message mode; see
   * half/send-half-message.ts): the HALF row commits first, then `local` runs, and its outcome
   * commits or rolls the message back — or leaves it to the relay's back-check.
   *
   * The same as the plain `sendHalf(message, local, { outbox })`: the method form names the
   * outbox the HALF row is written through, for applications with more than one.
   */
  sendHalf(message: HalfMessageInput, local: LocalTransaction, options: Omit<SendHalfOptions, 'outbox'> = {}): Promise<HalfSendResult> {
    return sendHalf(message, local, { ...options, outbox: this });
  }

  /** The adapter's client bound to the current transaction (a Prisma transaction client, say). */
  transactionClient(): TClient {
    const scope = currentScope(this);
    if (!scope) throw new NoActiveTransactionError('use the transaction client');
    scope.assertOpen('use the transaction client');
    return scope.handle.client as TClient;
  }

  /** Runs `hook` once the current transaction has committed (never if it rolls back). */
  afterCommit(hook: () => void | Promise<void>): void {
    const scope = currentScope(this);
    if (!scope) throw new NoActiveTransactionError('register an after-commit hook');
    if (typeof hook !== 'function') {
      throw new InvalidTransactionOptionsError('afterCommit hook', `must be a function, got ${typeof hook}. Pass outbox.afterCommit(() => { ... }).`);
    }
    scope.onAfterCommit(hook);
  }
}

/**
 * Sends a message in the current transaction and returns its id: the plain-function form of
 * `outbox.send`, for code that holds no outbox. It uses whatever transaction is current — the
 * innermost, when transactions of several outboxes are open around the call (`outbox.send`
 * targets its own outbox's transaction instead: docs/transactions.md, "Two outboxes").
 */
export function send(message: OutboxMessageInput): string {
  return sendInScope(currentScope(), message);
}

function sendInScope(scope: TransactionScope | undefined, message: OutboxMessageInput): string {
  if (!scope) throw new NoActiveTransactionError();
  scope.assertOpen('send a message'); // before validating: a late send says so, whatever it carries
  const prepared = prepareMessage(message, scope.owner.messageLimits);
  scope.enqueue(prepared);
  return prepared.id;
}

async function runHooks(hooks: Array<() => void | Promise<void>>, logger: ResolvedOutboxSettings['logger']): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook();
    } catch (error) {
      // The transaction has committed; a failing hook must not make the caller think it did not.
      logger.error('after-commit hook failed', { error: error instanceof OutboxError ? error : describeThrown(error) });
    }
  }
}
