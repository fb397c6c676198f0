import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One nested (savepoint) level of a transaction: where its buffered messages and after-commit
 * hooks begin, so a rollback to its savepoint can drop exactly what was added inside it, and the
 * failure of a joined call made inside it (which makes this level, not the whole transaction,
 * rollback-only). See docs/guarantees.md §4.8.
 */
export interface SavepointFrame {
  /** The scope the frame belongs to (compared by identity). */
  readonly scope: object;
  readonly name: string;
  readonly messageMark: number;
  readonly hookMark: number;
  rollbackCause: { error: unknown } | undefined;
}

/** Kept on globalThis like the ambient transaction, so two copies of the core share it. */
const STORAGE_KEY = Symbol.for('outboxkit.savepoint-frame.v1');

function storage(): AsyncLocalStorage<SavepointFrame> {
  const holder = globalThis as unknown as Record<symbol, AsyncLocalStorage<SavepointFrame> | undefined>;
  let existing = holder[STORAGE_KEY];
  if (!existing) {
    existing = new AsyncLocalStorage<SavepointFrame>();
    holder[STORAGE_KEY] = existing;
  }
  return existing;
}

/** The nested level of `scope` the caller runs in, or undefined at its top level. */
export function currentFrame(scope: object): SavepointFrame | undefined {
  const frame = storage().getStore();
  return frame?.scope === scope ? frame : undefined;
}

export function runInFrame<T>(frame: SavepointFrame, work: () => Promise<T>): Promise<T> {
  return storage().run(frame, work);
}
