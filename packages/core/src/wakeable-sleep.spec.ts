import { describe, expect, it } from 'vitest';
import { WakeableSleep } from './wakeable-sleep.js';

describe('WakeableSleep', () => {
  it('resolves after the delay, or at once when woken', async () => {
    const idle = new WakeableSleep();
    const started = performance.now();
    await idle.sleep(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(18);

    const woken = performance.now();
    const pending = idle.sleep(10_000);
    idle.wake();
    await pending;
    expect(performance.now() - woken).toBeLessThan(50);
    idle.wake(); // nothing sleeps: a no-op
  });
});
