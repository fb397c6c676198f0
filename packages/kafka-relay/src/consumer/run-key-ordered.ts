import { KeyOrderedQueue } from './key-ordered-queue.js';
import { OffsetTracker } from './offset-tracker.js';
import type { Slots } from './slots.js';

export interface KeyOrderedRun {
  /** Per record, in offset order: its ordering key. Records of one key never run at once. */
  keys: readonly string[];
  /** Per record: its offset. */
  offsets: readonly string[];
  /** Bounds how many records run at once (shared across partitions). */
  slots: Slots;
  /** Processes one record; resolves when it is finished for good (committed or routed). */
  run(index: number): Promise<void>;
  /** Checked before each record starts: false stops handing out records (stop, rebalance, seek). */
  canContinue(): boolean;
  /** Every record up to and including `offset` finished: it may be resolved. Called in offset order. */
  advanced(offset: string): void;
  /** Keeps the group membership alive; throws when the group is rebalancing. */
  heartbeat(): Promise<void>;
}

/**
 * Runs the records of one batch concurrently, in per-key order, at most `slots` at once. Returns
 * when every record finished; stops handing out records once `canContinue()` is false or a record
 * (or the heartbeat) threw, waits for those in flight, and rethrows the first error. The offset
 * only ever advances over a finished prefix, so a record that did not finish is fetched again
 * (those after it that committed are then duplicates to the inbox).
 */
export async function runKeyOrdered(options: KeyOrderedRun): Promise<void> {
  const queue = new KeyOrderedQueue(options.keys);
  const tracker = new OffsetTracker(options.offsets);
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;

  const start = (index: number) => {
    const task = (async () => {
      try {
        await options.run(index);
        queue.complete(index);
        const offset = tracker.finish(index);
        if (offset !== undefined) options.advanced(offset);
      } catch (error) {
        failure ??= { error };
      } finally {
        options.slots.release();
      }
    })();
    inFlight.add(task);
    void task.then(() => inFlight.delete(task));
  };

  while (failure === undefined && options.canContinue()) {
    const index = queue.next();
    if (index === undefined) {
      // Nothing running and nothing startable: every record was handed out and finished.
      if (inFlight.size === 0) break;
      // Every key that has records left is busy: wait for one to finish.
      await Promise.race(inFlight);
      continue;
    }
    await options.slots.acquire();
    if (failure !== undefined || !options.canContinue()) {
      options.slots.release();
      break;
    }
    start(index);
    try {
      await options.heartbeat();
    } catch (error) {
      failure ??= { error };
    }
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure.error;
}
