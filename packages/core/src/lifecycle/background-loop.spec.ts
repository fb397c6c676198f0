import { describe, expect, it } from 'vitest';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { BackgroundLoop, type BackgroundLoopOptions, type TickResult } from './background-loop.js';

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

function loopWith(tick: () => Promise<TickResult>, overrides: Partial<BackgroundLoopOptions> = {}): BackgroundLoop {
  return new BackgroundLoop({ what: 'test loop', tick, minIdleMs: 60_000, backoff: () => 60_000, logger: silentLogger, ...overrides });
}

describe('BackgroundLoop', () => {
  it('runs the first round at once, then waits; wake() ends the idle wait', async () => {
    let rounds = 0;
    const loop = loopWith(async () => {
      rounds += 1;
      return 'idle';
    });
    loop.start();
    expect(loop.isRunning).toBe(true);
    await until(() => rounds === 1, 'the first round');
    loop.wake();
    await until(() => rounds === 2, 'the round after wake()');
    await loop.stop();
    expect(loop.isRunning).toBe(false);
    expect(rounds).toBe(2);
  });

  it('waits initialDelayMs before the first round; stop() during it runs no round', async () => {
    let rounds = 0;
    const loop = loopWith(
      async () => {
        rounds += 1;
        return 'idle';
      },
      { initialDelayMs: 60_000 },
    );
    loop.start();
    await sleep(20);
    await loop.stop();
    expect(rounds).toBe(0);
  });

  it('goes again at once after "again"', async () => {
    const results: TickResult[] = ['again', 'again', 'idle'];
    let rounds = 0;
    const loop = loopWith(async () => {
      rounds += 1;
      return results.shift() ?? 'idle';
    });
    loop.start();
    await until(() => rounds === 3, 'three rounds without a wait between them');
    await loop.stop();
    expect(rounds).toBe(3);
  });

  it('logs each failure and the recovery once, with the failures counted', async () => {
    const { logger, lines } = recordingLogger();
    let rounds = 0;
    const failures: number[] = [];
    const recovered: number[] = [];
    const loop = loopWith(
      async () => {
        rounds += 1;
        if (rounds <= 2) throw new Error('database down');
        return 'idle';
      },
      { logger, backoff: () => 1, logFields: { part: 'x' }, onError: (_e, n) => failures.push(n), onRecovered: (n) => recovered.push(n) },
    );
    loop.start();
    await until(() => rounds === 3, 'the round after two failures');
    await loop.stop();
    expect(failures).toEqual([1, 2]);
    expect(recovered).toEqual([2]);
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'test loop failed; backing off'],
      ['warn', 'test loop failed; backing off'],
      ['info', 'test loop recovered'],
    ]);
    expect(lines[1]!.fields).toMatchObject({ part: 'x', consecutiveFailures: 2, retryInMs: 1 });
    expect(lines[2]!.fields).toMatchObject({ part: 'x', failedAttempts: 2 });
  });

  it('wake() leaves a backoff alone unless wakeEndsBackoff', async () => {
    for (const wakeEndsBackoff of [false, true]) {
      let rounds = 0;
      const loop = loopWith(
        async () => {
          rounds += 1;
          throw new Error('down');
        },
        { wakeEndsBackoff },
      );
      loop.start();
      await until(() => rounds === 1, 'the first failure');
      loop.wake();
      if (wakeEndsBackoff) await until(() => rounds === 2, 'the retry after wake()');
      else await sleep(30);
      await loop.stop();
      expect(rounds).toBe(wakeEndsBackoff ? 2 : 1);
    }
  });

  it('stop() waits for the round in flight and ends a backoff at once', async () => {
    let release!: () => void;
    let finished = false;
    const loop = loopWith(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      finished = true;
      throw new Error('fails, then backs off for a minute');
    });
    loop.start();
    await until(() => release !== undefined, 'the round to begin');
    const stopped = loop.stop();
    release();
    await stopped;
    expect(finished).toBe(true);
  });
});
