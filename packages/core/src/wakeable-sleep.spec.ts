import { describe, expect, it } from 'vitest';
import { WakeableSleep } from './wakeable-sleep.js';

describe('WakeableSleep', () => {
  it('resolves after the delay, or at once when woken', async () => {
    const idle = new WakeableSleep();
    const started = performance.now();
    await idle.sleep(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(18);

    const pending = idle.sleep(10_000).then(() => 'woken');
    idle.wake();
    // Woken at once: settled before even a zero-delay timer fires.
    const first = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve('timer'), 0))]);
    expect(first).toBe('woken');
    idle.wake(); // nothing sleeps: a no-op
  });
});
