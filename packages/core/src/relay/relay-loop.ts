import { BackgroundLoop } from '../lifecycle/background-loop.js';
import type { Logger } from '../logger.js';
import type { BackoffPolicy } from '../retry-policy.js';

export interface RelayLoopOptions {
  /** One unit of work; returns how many rows it handled. */
  step: () => Promise<number>;
  /** Rows per step; a full step means more may be waiting, so the loop goes on at once. */
  batchSize: number;
  /** Shortest idle wait, ms: the first poll after the outbox ran dry. */
  minIdleMs: number;
  /** Longest idle wait, ms: polling slows down to this while nothing arrives. */
  maxIdleMs: number;
  /** Wait after the n-th consecutive failure. */
  backoff: BackoffPolicy;
  logger: Logger;
  /** Added to the loop's log lines (a lane's number, say). */
  logFields?: Record<string, unknown>;
  onError?: (error: unknown, consecutiveFailures: number) => void;
  /** A step succeeded after `failures` consecutive failed ones. */
  onRecovered?: (failures: number) => void;
}

/**
 * One relay lane's loop: a BackgroundLoop whose round is a batch. Runs `step` until stopped:
 * immediately again after a full batch, with an adaptive idle wait (doubling from minIdleMs to
 * maxIdleMs) after an empty or partial one, and with backoff after a failure. `nudge()` cuts an
 * idle wait short, never a backoff: writers keep committing (and nudging) through a Kafka or
 * database outage, and a nudge that ended the backoff would turn it into a retry per commit
 * (docs/guarantees.md §4.9). `stop()` ends either wait and lets the step in flight finish.
 */
export class RelayLoop {
  private readonly loop: BackgroundLoop;

  constructor(options: RelayLoopOptions) {
    const { step, batchSize, ...rest } = options;
    this.loop = new BackgroundLoop({
      ...rest,
      what: 'relay step',
      // RelayLanes logs the end of an outage once for the instance ("publishing resumed").
      logRecovery: false,
      tick: async () => {
        const handled = await step();
        return handled >= batchSize ? 'again' : handled > 0 ? 'worked' : 'idle';
      },
    });
  }

  get isRunning(): boolean {
    return this.loop.isRunning;
  }

  start(): void {
    this.loop.start();
  }

  /** Ends an idle wait now: something was committed. A backoff after a failure runs its course. */
  nudge(): void {
    this.loop.wake();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
