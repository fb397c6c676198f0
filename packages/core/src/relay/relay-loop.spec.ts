import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { RelayLoop } from './relay-loop.js';

function loopWith(step: () => Promise<number>, overrides: Partial<ConstructorParameters<typeof RelayLoop>[0]> = {}) {
  return new RelayLoop({ step, batchSize: 10, minIdleMs: 5, maxIdleMs: 40, backoff: () => 5, logger: silentLogger, ...overrides });
}

describe('RelayLoop', () => {
  it('runs again at once after a full batch and idles after a partial one', async () => {
    const handed = [10, 10, 3, 0, 0];
    const times: number[] = [];
    const loop = loopWith(async () => {
      times.push(performance.now());
      return handed.shift() ?? 0;
    });
    loop.start();
    await new Promise((r) => setTimeout(r, 60));
    await loop.stop();
    expect(times.length).toBeGreaterThanOrEqual(4);
    // Two full batches back to back: the third step follows the second without an idle wait.
    expect(times[2]! - times[1]!).toBeLessThan(4);
    // After the partial batch the loop waited at least minIdleMs.
    expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(4);
  });

  it('backs off after failures and reports them, then recovers', async () => {
    let calls = 0;
    const failures: number[] = [];
    const loop = loopWith(
      async () => {
        calls += 1;
        if (calls <= 2) throw new Error('kafka down');
        return 0;
      },
      { onError: (_e, n) => failures.push(n) },
    );
    loop.start();
    await new Promise((r) => setTimeout(r, 50));
    await loop.stop();
    expect(failures).toEqual([1, 2]);
    expect(calls).toBeGreaterThan(2);
  });

  it('nudge cuts an idle wait short; stop waits for the step in flight', async () => {
    let calls = 0;
    let finishedSteps = 0;
    const loop = loopWith(
      async () => {
        calls += 1;
        await new Promise((r) => setTimeout(r, 5));
        finishedSteps += 1;
        return 0;
      },
      { minIdleMs: 10_000, maxIdleMs: 10_000 },
    );
    loop.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(1);
    loop.nudge();
    await new Promise((r) => setTimeout(r, 2));
    await loop.stop();
    expect(calls).toBe(2);
    expect(finishedSteps).toBe(2);
  });
});
