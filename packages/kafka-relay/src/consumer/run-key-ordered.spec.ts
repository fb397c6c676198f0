import { describe, expect, it } from 'vitest';
import { runKeyOrdered, type KeyOrderedRun } from './run-key-ordered.js';
import { Slots } from './slots.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A run whose records finish when the test says so (or at once with `auto`). */
function harness(keys: string[], slots: number, auto?: (index: number) => Promise<void>) {
  const offsets = keys.map((_, n) => String(100 + n));
  const pending = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>();
  const started: number[] = [];
  const resolved: string[] = [];
  let running = 0;
  let maxRunning = 0;
  let canContinue = true;
  let heartbeatError: unknown;
  const options: KeyOrderedRun = {
    keys,
    offsets,
    slots: new Slots(slots),
    run: async (index) => {
      started.push(index);
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      try {
        if (auto) await auto(index);
        else await new Promise<void>((resolve, reject) => pending.set(index, { resolve, reject }));
      } finally {
        running -= 1;
      }
    },
    canContinue: () => canContinue,
    advanced: (offset) => resolved.push(offset),
    heartbeat: async () => {
      if (heartbeatError) throw heartbeatError;
    },
  };
  const finish = async (index: number, error?: unknown) => {
    const entry = pending.get(index)!;
    pending.delete(index);
    if (error) entry.reject(error);
    else entry.resolve();
    await tick();
  };
  return {
    options,
    started,
    resolved,
    finish,
    running: () => [...pending.keys()].sort((x, y) => x - y),
    maxRunning: () => maxRunning,
    stop: () => (canContinue = false),
    failHeartbeat: (error: unknown) => (heartbeatError = error),
  };
}

describe('runKeyOrdered', () => {
  it('runs different keys concurrently up to the slots, one record per key at a time, and resolves in offset order', async () => {
    const h = harness(['a', 'b', 'a', 'c', 'd', 'b'], 3);
    const done = runKeyOrdered(h.options);
    await tick();
    expect(h.running()).toEqual([0, 1, 3]); // 2 waits for a (0); 4 waits for a slot
    await h.finish(3); // c finished first: nothing may be resolved yet (0 is unfinished)
    expect(h.resolved).toEqual([]);
    expect(h.running()).toEqual([0, 1, 4]);
    await h.finish(1);
    expect(h.resolved).toEqual([]);
    expect(h.running()).toEqual([0, 4, 5]);
    await h.finish(0); // 0, 1 finished: resolved up to 101 (3 finished, but 2 has not)
    expect(h.resolved).toEqual(['101']);
    expect(h.running()).toEqual([2, 4, 5]);
    await h.finish(5);
    await h.finish(2);
    expect(h.resolved).toEqual(['101', '103']);
    await h.finish(4);
    await done;
    expect(h.resolved).toEqual(['101', '103', '105']);
    expect(h.maxRunning()).toBe(3);
    expect(h.started).toEqual([0, 1, 3, 4, 5, 2]);
  });

  it('on a failure: starts nothing more, waits for the records in flight, never resolves past the failed one, rethrows', async () => {
    const h = harness(['a', 'b', 'c', 'd', 'e'], 3);
    const done = runKeyOrdered(h.options);
    const outcome = done.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    await tick();
    expect(h.running()).toEqual([0, 1, 2]);
    await h.finish(0);
    expect(h.running()).toEqual([1, 2, 3]);
    await h.finish(1, new Error('database down'));
    // 2 and 3 are still in flight: the run has not returned, and 4 was not started.
    expect(h.running()).toEqual([2, 3]);
    let settled = false;
    void outcome.then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    await h.finish(3);
    await h.finish(2);
    expect(await outcome).toBe('database down');
    expect(h.started).toEqual([0, 1, 2, 3]);
    // 2 and 3 committed, but 1 did not: the offset stays at 100, they come again as duplicates.
    expect(h.resolved).toEqual(['100']);
  });

  it('stops handing out records once the consumer stops, and finishes those in flight', async () => {
    const h = harness(['a', 'b', 'c', 'd'], 2);
    const done = runKeyOrdered(h.options);
    await tick();
    h.stop();
    await h.finish(0);
    await h.finish(1);
    await done;
    expect(h.started).toEqual([0, 1]);
    expect(h.resolved).toEqual(['100', '101']);
  });

  it('treats a failing heartbeat (a rebalance) like a failure', async () => {
    const h = harness(['a', 'b', 'c'], 1);
    h.failHeartbeat(new Error('rebalancing'));
    const done = runKeyOrdered(h.options).then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    await tick();
    await h.finish(0);
    expect(await done).toBe('rebalancing');
    expect(h.started).toEqual([0]);
    expect(h.resolved).toEqual(['100']);
  });

  it('shares its slots: two runs together never exceed them', async () => {
    const slots = new Slots(2);
    let running = 0;
    let max = 0;
    const auto = async () => {
      running += 1;
      max = Math.max(max, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running -= 1;
    };
    const one = harness(['a', 'b', 'c', 'd'], 2, auto);
    const two = harness(['e', 'f', 'g', 'h'], 2, auto);
    await Promise.all([runKeyOrdered({ ...one.options, slots }), runKeyOrdered({ ...two.options, slots })]);
    expect(max).toBe(2);
    expect(one.resolved.at(-1)).toBe('103');
    expect(two.resolved.at(-1)).toBe('103');
  });

  it('with one slot, runs in offset order (partition order)', async () => {
    const h = harness(['a', 'b', 'a', 'c'], 1, async () => {
      await tick();
    });
    await runKeyOrdered(h.options);
    expect(h.started).toEqual([0, 1, 2, 3]);
    expect(h.resolved).toEqual(['100', '101', '102', '103']);
  });
});
