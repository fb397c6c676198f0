import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from './with-timeout.js';

describe('withTimeout', () => {
  afterEach(() => vi.useRealTimers());

  it('gives the work its outcome when it settles in time, and clears the timer', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(Promise.resolve(7), 1_000, () => new Error('late'))).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('boom')), 1_000, () => new Error('late'))).rejects.toThrow('boom');
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects with the timeout's error when the work is slower, and a later rejection of the work is not unhandled", async () => {
    vi.useFakeTimers();
    let fail!: (error: Error) => void;
    const work = new Promise<number>((_, reject) => (fail = reject));
    const made: string[] = [];
    const raced = withTimeout(work, 1_000, () => {
      made.push('timeout');
      return new Error('no answer within 1000 ms');
    });
    const outcome = expect(raced).rejects.toThrow('no answer within 1000 ms');
    await vi.advanceTimersByTimeAsync(1_000);
    await outcome;
    expect(made).toEqual(['timeout']);
    fail(new Error('too late'));
    await Promise.resolve();
  });
});
