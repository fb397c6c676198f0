import type { Logger } from '../logger.js';
import type { BackoffPolicy } from '../retry-policy.js';
import { WakeableSleep } from '../wakeable-sleep.js';

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
 * Runs `step` until stopped: immediately again after a full batch, with an adaptive idle wait
 * (doubling from minIdleMs to maxIdleMs) after an empty or partial one, and with backoff after a
 * failure. `nudge()` cuts an idle wait short, never a backoff: writers keep committing (and
 * nudging) through a Kafka or database outage, and a nudge that ended the backoff would turn it
 * into a retry per commit (docs/guarantees.md §4.9). `stop()` ends either wait and lets the step
 * in flight finish.
 */
export class RelayLoop {
  private running = false;
  private loopDone: Promise<void> | undefined;
  /** Idle polling: ended by a nudge or by stop(). */
  private readonly idle = new WakeableSleep();
  /** Backoff after a failure: ended only by stop(). */
  private readonly backoff = new WakeableSleep();
  private idleMs: number;

  constructor(private readonly options: RelayLoopOptions) {
    this.idleMs = options.minIdleMs;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.run();
  }

  /** Ends an idle wait now: something was committed. A backoff after a failure runs its course. */
  nudge(): void {
    this.idleMs = this.options.minIdleMs;
    this.idle.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.idle.wake();
    this.backoff.wake();
    await this.loopDone;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const handled = await this.options.step();
        if (failures > 0) this.options.onRecovered?.(failures);
        failures = 0;
        if (handled >= this.options.batchSize) {
          this.idleMs = this.options.minIdleMs;
          continue;
        }
        if (handled > 0) this.idleMs = this.options.minIdleMs;
        await this.sleep(this.idle, this.idleMs);
        this.idleMs = Math.min(this.options.maxIdleMs, this.idleMs * 2);
      } catch (error) {
        failures += 1;
        this.options.onError?.(error, failures);
        const retryInMs = this.options.backoff(failures);
        this.options.logger.warn('relay step failed; backing off', {
          ...this.options.logFields,
          consecutiveFailures: failures,
          retryInMs,
          error,
        });
        await this.sleep(this.backoff, retryInMs);
      }
    }
  }

  private sleep(on: WakeableSleep, ms: number): Promise<void> {
    return this.running ? on.sleep(ms) : Promise.resolve();
  }
}
