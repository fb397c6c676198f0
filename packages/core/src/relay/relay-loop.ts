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
  onError?: (error: unknown, consecutiveFailures: number) => void;
}

/**
 * Runs `step` until stopped: immediately again after a full batch, with an adaptive idle wait
 * (doubling from minIdleMs to maxIdleMs) after an empty or partial one, and with backoff after a
 * failure. `nudge()` cuts an idle wait short. `stop()` lets the step in flight finish.
 */
export class RelayLoop {
  private running = false;
  private loopDone: Promise<void> | undefined;
  private readonly idle = new WakeableSleep();
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

  /** Ends an idle wait now: something was committed. */
  nudge(): void {
    this.idleMs = this.options.minIdleMs;
    this.idle.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.idle.wake();
    await this.loopDone;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const handled = await this.options.step();
        failures = 0;
        if (handled >= this.options.batchSize) {
          this.idleMs = this.options.minIdleMs;
          continue;
        }
        if (handled > 0) this.idleMs = this.options.minIdleMs;
        await this.sleep(this.idleMs);
        this.idleMs = Math.min(this.options.maxIdleMs, this.idleMs * 2);
      } catch (error) {
        failures += 1;
        this.options.onError?.(error, failures);
        this.options.logger.warn('relay step failed; backing off', { error, consecutiveFailures: failures });
        await this.sleep(this.options.backoff(failures));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return this.running ? this.idle.sleep(ms) : Promise.resolve();
  }

}
