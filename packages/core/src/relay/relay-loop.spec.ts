import { describe, expect, it } from 'vitest';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { RelayLoop } from './relay-loop.js';

function loopWith(step: () => Promise<number>, overrides: Partial<ConstructorParameters<typeof RelayLoop>[0]> = {}) {
  return new RelayLoop({ step, batchSize: 10, minIdleMs: 5, maxIdleMs: 40, backoff: () => 5, logger: silentLogger, ...overrides });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `predicate` holds (these specs wait for conditions, never for a fixed time). */
async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, fields: Record<string, unknown> = {}) => void lines.push({ level, message, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

describe('RelayLoop', () => {
  it('runs again at once after a full batch and idles after a partial one', async () => {
    const handed = [10, 10, 3];
    let calls = 0;
    // An idle wait of a minute: the three steps can only happen without one in between.
    const loop = loopWith(
      async () => {
        calls += 1;
        return handed.shift() ?? 0;
      },
      { minIdleMs: 60_000, maxIdleMs: 60_000 },
    );
    loop.start();
    await until(() => calls === 3, 'the two full batches and the partial one');
    // After the partial batch the loop idles: no fourth step until a nudge.
    await sleep(50);
    expect(calls).toBe(3);
    loop.nudge();
    await until(() => calls === 4, 'the step after the nudge');
    await loop.stop();
  });

  it('backs off after failures and reports them, then recovers', async () => {
    let calls = 0;
    const failures: number[] = [];
    const recovered: number[] = [];
    const loop = loopWith(
      async () => {
        calls += 1;
        if (calls <= 2) throw new Error('kafka down');
        return 0;
      },
      { onError: (_e, n) => failures.push(n), onRecovered: (n) => recovered.push(n) },
    );
    loop.start();
    await until(() => calls > 3, 'steps after the failures');
    await loop.stop();
    expect(failures).toEqual([1, 2]);
    // Recovery is reported once, with the failures it ended.
    expect(recovered).toEqual([2]);
  });

  it('a nudge does not cut a failure backoff short (writers keep committing during an outage)', async () => {
    let calls = 0;
    const loop = loopWith(
      async () => {
        calls += 1;
        throw new Error('kafka down');
      },
      { backoff: () => 60_000 },
    );
    loop.start();
    await until(() => calls === 1, 'the first failure');
    const nudging = setInterval(() => loop.nudge(), 1);
    try {
      await sleep(150);
    } finally {
      clearInterval(nudging);
    }
    // Still inside the first backoff: the nudges woke nothing.
    expect(calls).toBe(1);
    // stop() ends a backoff at once.
    await loop.stop();
    expect(loop.isRunning).toBe(false);
  });

  it('logs a failure with its lane, the consecutive count and the delay before the next attempt', async () => {
    const { logger, lines } = recordingLogger();
    let calls = 0;
    const loop = loopWith(
      async () => {
        calls += 1;
        throw new Error('kafka down');
      },
      { backoff: (n) => n * 1_000, logger, logFields: { lane: 1 } },
    );
    loop.start();
    await until(() => calls === 1, 'the first failure');
    await loop.stop();
    expect(lines).toEqual([
      { level: 'warn', message: 'relay step failed; backing off', fields: expect.objectContaining({ lane: 1, consecutiveFailures: 1, retryInMs: 1_000 }) },
    ]);
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
    await until(() => finishedSteps === 1, 'the first step');
    expect(calls).toBe(1);
    loop.nudge();
    await until(() => calls === 2, 'the step after the nudge');
    await loop.stop();
    expect(finishedSteps).toBe(2);
  });
});
