import { NoActiveTransactionError, OutboxError } from './errors.js';
import { TypedEvents } from './events.js';
import type { OutboxMessageInput } from './message.js';
import { MessageStatus } from './message-states.js';
import { resolveOutboxSettings, type OutboxOptions, type ResolvedOutboxSettings } from './outbox-settings.js';
import type { TransactionOptions, TransactionPort } from './ports.js';
import { prepareMessage } from './prepare-message.js';
import { insertMessages } from './sql/insert-messages.js';
import { currentScope, runInScope } from './transaction/ambient-transaction.js';
import { TransactionScope } from './transaction/transaction-scope.js';
import { setDefaultOutbox } from './default-outbox.js';
import type { HalfMessageEvents } from './half/half-events.js';
import type { HalfMessageInput, HalfSendResult, LocalTransaction, SendHalfOptions } from './half/half-message.js';
import { sendHalfMessage } from './half/send-half-message.js';

/** Transaction events, and the half-message events of half/half-events.ts. */
export interface OutboxEvents extends HalfMessageEvents {
  /** A transaction that sent messages committed; fired after commit. */
  'transaction:committed': { messageIds: string[]; topics: string[] };
  /** A transaction opened by outboxkit rolled back. */
  'transaction:rolled-back': { error: unknown; discardedMessages: number };
}

/**
 * The write side: opens transactions through the adapter's TransactionPort, buffers the messages
 * sent in them and writes them in one statement just before commit.
 */
export class Outbox<TClient = unknown> {
  readonly settings: ResolvedOutboxSettings;
  readonly events: TypedEvents<OutboxEvents>;

  constructor(
    private readonly port: TransactionPort<TClient>,
    options: OutboxOptions = {},
  ) {
    this.settings = resolveOutboxSettings(options);
    this.events = new TypedEvents<OutboxEvents>(this.settings.logger);
    if (this.settings.registerAsDefault) setDefaultOutbox(this as Outbox<unknown>);
  }

  get maxMessageBytes(): number {
    return this.settings.maxMessageBytes;
  }

  /**
   * Runs `work` in a transaction: its database calls (through the adapter's client) and the
   * messages it sends commit together or not at all. Called inside an open transaction, it joins
   * that transaction instead of opening a second one.
   */
  async transaction<T>(work: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const existing = currentScope();
    if (existing?.isOpen) return work();

    let scope: TransactionScope<TClient> | undefined;
    let hooks: Array<() => void | Promise<void>> = [];
    let messageIds: string[] = [];
    let topics: string[] = [];
    try {
      const result = await this.port.runInTransaction(
        async (handle) => {
          scope = new TransactionScope(handle, this);
          const value = await runInScope(scope as TransactionScope, work);
          const pending = scope.takePending();
          if (pending.length > 0) {
            await handle.executor.execute(insertMessages(this.settings.tables.outbox, pending, MessageStatus.READY));
            messageIds = pending.map((m) => m.id);
            topics = [...new Set(pending.map((m) => m.topic))];
          }
          hooks = scope.close();
          return value;
        },
        { ...this.settings.transaction, ...options },
      );
      if (messageIds.length > 0) this.events.emit('transaction:committed', { messageIds, topics });
      if (hooks.length > 0) await runHooks(hooks, this.settings.logger);
      return result;
    } catch (error) {
      const discarded = scope ? scope.takePending().length : 0;
      scope?.close();
      this.events.emit('transaction:rolled-back', { error, discardedMessages: discarded + messageIds.length });
      throw error;
    }
  }

  /**
   * Sends a message as part of the current transaction and returns its id. The message is
   * validated and encoded now (a bad one throws here) and written when the transaction commits.
   */
  send(message: OutboxMessageInput): string {
    return sendInCurrentTransaction(message);
  }

  /**
   * Sends a half message and runs its local transaction (half-message mode; see
   * half/send-half-message.ts): the HALF row commits first, then `local` runs, and its outcome
   * commits or rolls the message back — or leaves it to the relay's back-check.
   */
  sendHalf(message: HalfMessageInput, local: LocalTransaction, options: Omit<SendHalfOptions, 'outbox'> = {}): Promise<HalfSendResult> {
    return sendHalfMessage(message, local, { ...options, outbox: this });
  }

  /** The adapter's client bound to the current transaction (a Prisma transaction client, say). */
  transactionClient(): TClient {
    const scope = currentScope();
    if (!scope) throw new NoActiveTransactionError('use the transaction client');
    scope.assertOpen('use the transaction client');
    return scope.handle.client as TClient;
  }

  /** Runs `hook` once the current transaction has committed (never if it rolls back). */
  afterCommit(hook: () => void | Promise<void>): void {
    const scope = currentScope();
    if (!scope) throw new NoActiveTransactionError('register an after-commit hook');
    scope.onAfterCommit(hook);
  }
}

/** The plain-function form of `outbox.send`: uses whatever transaction is current. */
export function sendInCurrentTransaction(message: OutboxMessageInput): string {
  const scope = currentScope();
  if (!scope) throw new NoActiveTransactionError();
  scope.assertOpen('send a message');
  const prepared = prepareMessage(message, { maxMessageBytes: scope.owner.maxMessageBytes });
  scope.enqueue(prepared);
  return prepared.id;
}

async function runHooks(hooks: Array<() => void | Promise<void>>, logger: ResolvedOutboxSettings['logger']): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook();
    } catch (error) {
      // The transaction has committed; a failing hook must not make the caller think it did not.
      logger.error('after-commit hook failed', { error: error instanceof OutboxError ? error : String(error) });
    }
  }
}
