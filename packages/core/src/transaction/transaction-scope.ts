import { TransactionClosedError } from '../errors.js';
import type { PreparedMessage } from '../message.js';
import type { TransactionHandle } from '../ports.js';

/**
 * What outboxkit knows about one open transaction: the adapter's handle, the messages sent in it
 * (buffered, then written in one statement just before commit), and hooks to run after commit.
 */
export class TransactionScope<TClient = unknown> {
  private readonly messages: PreparedMessage[] = [];
  private readonly afterCommitHooks: Array<() => void | Promise<void>> = [];
  private open = true;

  constructor(
    readonly handle: TransactionHandle<TClient>,
    /** Settings of the Outbox that opened the transaction. */
    readonly owner: ScopeOwner,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  enqueue(message: PreparedMessage): void {
    this.assertOpen('send a message');
    this.messages.push(message);
  }

  /** Messages waiting to be written; taken once, by the flush before commit. */
  takePending(): PreparedMessage[] {
    return this.messages.splice(0, this.messages.length);
  }

  onAfterCommit(hook: () => void | Promise<void>): void {
    this.assertOpen('register an after-commit hook');
    this.afterCommitHooks.push(hook);
  }

  /** Marks the scope finished; later use from leftover async work gets a typed error. */
  close(): Array<() => void | Promise<void>> {
    this.open = false;
    return this.afterCommitHooks.splice(0, this.afterCommitHooks.length);
  }

  assertOpen(what: string): void {
    if (!this.open) throw new TransactionClosedError(what);
  }
}

/** The slice of an Outbox a scope needs, kept narrow to avoid an import cycle. */
export interface ScopeOwner {
  readonly maxMessageBytes: number;
}
