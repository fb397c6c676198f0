import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConsumerCrashedError, silentLogger } from '@outboxkit/core';
import { CrashRestarter } from './crash-restarter.js';

/** A kafkajs consumer's instrumentation events, fired by hand. */
function fakeConsumer() {
  const listeners = new Map<string, Set<(event: { payload: any }) => void>>();
  return {
    events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
    on(event: string, listener: (event: { payload: any }) => void) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    crash(error: unknown, restart: boolean) {
      for (const listener of listeners.get('consumer.crash') ?? []) listener({ payload: { error, groupId: 'g', restart } });
    },
    join() {
      for (const listener of listeners.get('consumer.group_join') ?? []) listener({ payload: {} });
    },
    listenerCount: () => [...listeners.values()].reduce((sum, set) => sum + set.size, 0),
  };
}

function setup(retries = 3, restartImpl?: () => Promise<void>) {
  const consumer = fakeConsumer();
  const calls = { restarts: 0, crashed: [] as unknown[], resumed: [] as unknown[], gaveUp: [] as ConsumerCrashedError[] };
  let running = true;
  const restarter = new CrashRestarter({
    consumer: consumer as never,
    groupId: 'g',
    settings: { retries, initialDelayMs: 100, maxDelayMs: 400 },
    logger: silentLogger,
    isRunning: () => running,
    restart: async () => {
      calls.restarts += 1;
      await restartImpl?.();
    },
    onCrashed: (event) => calls.crashed.push(event),
    onResumed: (event) => calls.resumed.push(event),
    onGaveUp: (error) => calls.gaveUp.push(error),
  });
  return { consumer, calls, restarter, stopRunning: () => (running = false) };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('CrashRestarter', () => {
  it('leaves a crash kafkajs restarts from to kafkajs, and reports it', () => {
    const { consumer, calls } = setup();
    consumer.crash(new Error('broker gone'), true);
    vi.advanceTimersByTime(10_000);
    expect(calls.restarts).toBe(0);
    expect(calls.crashed).toEqual([{ error: new Error('broker gone'), restartedBy: 'kafkajs', attempt: 0, delayMs: 0 }]);
  });

  it('restarts a crash kafkajs gives up on, with doubling delays capped at maxDelayMs', async () => {
    const { consumer, calls } = setup(10);
    const delays: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      consumer.crash(new TypeError('bug'), false);
      delays.push((calls.crashed.at(-1) as { delayMs: number }).delayMs);
      await vi.advanceTimersByTimeAsync(400);
    }
    expect(delays).toEqual([100, 200, 400, 400]);
    expect(calls.restarts).toBe(4);
    expect(calls.gaveUp).toEqual([]);
  });

  it('gives up after `retries` restarts in a row that did not hold, with a typed error', async () => {
    const { consumer, calls } = setup(2);
    for (let i = 0; i < 3; i += 1) {
      consumer.crash(new TypeError('bug'), false);
      await vi.advanceTimersByTimeAsync(400);
    }
    expect(calls.restarts).toBe(2);
    expect(calls.gaveUp).toHaveLength(1);
    expect(calls.gaveUp[0]).toBeInstanceOf(ConsumerCrashedError);
    expect(calls.gaveUp[0]!.message).toMatch(/group "g" has stopped consuming.*2 restart\(s\).*TypeError: bug.*supervisor/s);
  });

  it('counts a restart that rejoins but crashes again within maxDelayMs, and forgets crashes once it held', async () => {
    const { consumer, calls } = setup(1);
    consumer.crash(new TypeError('bug'), false);
    await vi.advanceTimersByTimeAsync(100);
    consumer.join();
    expect(calls.resumed).toHaveLength(1);
    // Up for 400 ms (maxDelayMs): the restart held; a later crash starts counting afresh.
    await vi.advanceTimersByTimeAsync(400);
    consumer.crash(new TypeError('bug'), false);
    expect(calls.gaveUp).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    consumer.join();
    // Crashing again right after rejoining: the second restart in a row is one too many.
    consumer.crash(new TypeError('bug'), false);
    expect(calls.gaveUp).toHaveLength(1);
  });

  it('treats a restart that throws as another crash', async () => {
    const { consumer, calls } = setup(1, async () => {
      throw new Error('cannot connect');
    });
    consumer.crash(new TypeError('bug'), false);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls.restarts).toBe(1);
    expect(calls.gaveUp[0]!.message).toMatch(/last crash: Error: cannot connect/);
  });

  it('ignores crashes while stopping, and stop() cancels a pending restart and unsubscribes', async () => {
    const { consumer, calls, restarter, stopRunning } = setup();
    consumer.crash(new TypeError('bug'), false);
    restarter.stop();
    stopRunning();
    await vi.advanceTimersByTimeAsync(1_000);
    consumer.crash(new TypeError('bug'), false);
    expect(calls.restarts).toBe(0);
    expect(calls.crashed).toHaveLength(1);
    expect(consumer.listenerCount()).toBe(0);
  });
});
