import { NestedTransactionError, RollbackOnlyError, TransactionClosedError, TransactionClosingError } from '../errors.js';
import type { PreparedMessage } from '../message.js';
import type { MessageLimits } from '../outbox-settings.js';
import type { Savepoints, TransactionHandle } from '../ports.js';
import { currentFrame, type SavepointFrame } from './savepoint-frame.js';

type AfterCommitHook = () => void | Promise<void>;

/**
 * - `open`: the transactional work is running; it may send, register hooks, nest.
 * - `closing`: the work has returned (or thrown) and the flush has begun: the messages are being
 *   written and the commit is under way. Nothing new is taken — a message added now would miss
 *   the INSERT and its id would name a row that never exists (docs/guarantees.md §4.7).
 * - `closed`: committed or rolled back.
 */
type ScopeState = 'open' | 'closing' | 'closed';

/**
 * What outboxkit knows about one open transaction: the adapter's handle, the messages sent in it
 * (buffered, then written in one statement just before commit), hooks to run after commit, and
 * its nested (savepoint) levels.
 */
export class TransactionScope<TClient = unknown> {
  private readonly messages: PreparedMessage[] = [];
  private readonly afterCommitHooks: AfterCommitHook[] = [];
  private state: ScopeState = 'open';
  /** Set when a joined call at the top level failed: the transaction may only roll back. */
  private rollbackCause: { error: unknown } | undefined;
  /** Open savepoint levels, innermost last. */
  private readonly frames: SavepointFrame[] = [];
  private savepointCount = 0;

  constructor(
    readonly handle: TransactionHandle<TClient>,
    /** Settings of the Outbox that opened the transaction. */
    readonly owner: ScopeOwner,
    /** The transaction that was current when this one opened (another outbox's, usually), if any. */
    readonly parent?: TransactionScope,
  ) {}

  /** True while the work runs; false once the flush has begun. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  enqueue(message: PreparedMessage): void {
    this.assertUsable('send a message');
    this.messages.push(message);
  }

  onAfterCommit(hook: AfterCommitHook): void {
    this.assertUsable('register an after-commit hook');
    this.afterCommitHooks.push(hook);
  }

  /** Throws the typed error for a scope that can no longer be used: committing, or ended. */
  assertOpen(what: string): void {
    if (this.state === 'closing') throw new TransactionClosingError(what);
    if (this.state === 'closed') throw new TransactionClosedError(what);
  }

  /**
   * Seals the scope: the work has settled and the flush begins. Called before the messages are
   * taken, so a send from leftover async work fails instead of landing in a buffer already written.
   */
  seal(): void {
    if (this.state === 'open') this.state = 'closing';
  }

  /** After seal(): throws when the transaction must not commit (a caught joined failure, a nested call still running). */
  assertCommittable(): void {
    if (this.frames.length > 0) {
      this.frames.length = 0;
      throw new NestedTransactionError('unfinished');
    }
    if (this.rollbackCause) throw new RollbackOnlyError(this.rollbackCause.error);
  }

  /** Messages waiting to be written; taken once, by the flush before commit. */
  takePending(): PreparedMessage[] {
    return this.messages.splice(0, this.messages.length);
  }

  /** Marks the scope committed; returns the after-commit hooks to run. */
  close(): AfterCommitHook[] {
    this.state = 'closed';
    return this.afterCommitHooks.splice(0, this.afterCommitHooks.length);
  }

  /** Marks the scope rolled back; drops what was buffered and returns how many messages that was. */
  discard(): number {
    this.state = 'closed';
    this.afterCommitHooks.length = 0;
    this.frames.length = 0;
    return this.messages.splice(0, this.messages.length).length;
  }

  /**
   * A joined call (propagation 'required') failed: the level it ran in — the innermost savepoint
   * level, or the transaction itself — may now only roll back, even if the caller catches it.
   */
  markRollbackOnly(error: unknown): void {
    const frame = currentFrame(this);
    if (frame) frame.rollbackCause ??= { error };
    else this.rollbackCause ??= { error };
  }

  // ---- savepoint levels (propagation 'nested') ----

  /** Opens a savepoint level inside the caller's level. */
  async beginSavepoint(): Promise<SavepointFrame> {
    this.assertUsable('start a nested transaction');
    const savepoints = this.savepointsOrThrow();
    this.savepointCount += 1;
    const frame: SavepointFrame = {
      scope: this,
      name: `outboxkit_sp_${this.savepointCount}`,
      messageMark: this.messages.length,
      hookMark: this.afterCommitHooks.length,
      rollbackCause: undefined,
    };
    // Pushed before the round trip, so a sibling started meanwhile sees it and is refused.
    this.frames.push(frame);
    try {
      await savepoints.create(frame.name);
    } catch (error) {
      this.frames.splice(this.frames.indexOf(frame), 1);
      this.rollbackCause ??= { error };
      throw error;
    }
    return frame;
  }

  /**
   * Ends a level whose work returned: its writes and messages stay part of the transaction.
   * If a nested call started inside it is still running, the level is rolled back instead.
   */
  async releaseSavepoint(frame: SavepointFrame): Promise<void> {
    this.assertOpen('finish a nested transaction');
    const index = this.frames.indexOf(frame);
    // Gone: an enclosing level ended (and rolled back) while this one was still running.
    if (index < 0) throw new NestedTransactionError('unfinished');
    if (index !== this.frames.length - 1) {
      await this.rollbackToSavepoint(frame);
      throw new NestedTransactionError('unfinished');
    }
    this.frames.pop();
    try {
      await this.savepointsOrThrow().release(frame.name);
    } catch (error) {
      this.rollbackCause ??= { error };
      throw error;
    }
  }

  /**
   * Ends a level whose work failed: drops the messages and hooks it added and rolls the database
   * back to its savepoint (which also ends every level inside it). When the database cannot do
   * that, the whole transaction becomes rollback-only.
   */
  async rollbackToSavepoint(frame: SavepointFrame): Promise<void> {
    const index = this.frames.indexOf(frame);
    if (index < 0 || this.state !== 'open') return; // already undone with an enclosing level, or the transaction is over
    this.frames.splice(index);
    this.messages.splice(frame.messageMark);
    this.afterCommitHooks.splice(frame.hookMark);
    try {
      await this.savepointsOrThrow().rollbackTo(frame.name);
    } catch (error) {
      this.rollbackCause ??= { error };
    }
  }

  /**
   * The caller must be at the innermost open level: work of an outer level running alongside a
   * nested call would be undone by that call's rollback without anyone knowing.
   */
  private assertUsable(what: string): void {
    this.assertOpen(what);
    if (currentFrame(this) !== this.frames.at(-1)) throw new NestedTransactionError('concurrent', what);
  }

  private savepointsOrThrow(): Savepoints {
    const savepoints = this.handle.savepoints;
    if (!savepoints) throw new NestedTransactionError('unsupported');
    return savepoints;
  }
}

/** The slice of an Outbox a scope needs, kept narrow to avoid an import cycle. */
export interface ScopeOwner {
  readonly messageLimits: MessageLimits;
}
