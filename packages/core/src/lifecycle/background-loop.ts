import type { Logger } from '../logger.js';
import type { BackoffPolicy } from '../retry-policy.js';
import { WakeableSleep } from '../wakeable-sleep.js';

/**
 * What a round of a loop's work found:
 * - `again`: more is waiting (a full batch): go again at once;
 * - `worked`: it did something: wait the shortest idle time;
 * - `idle`: nothing to do: wait, and wait longer each time (up to `maxIdleMs`).
 */
export type TickResult = 'again' | 'worked' | 'idle';

export interface BackgroundLoopOptions {
  /**
   * What the loop does, in log lines: "<what> failed; backing off", "<what> recovered". The
   * relay's lanes say "relay step", the back-check "half-message check pass".
   */
  what: string;
  /** One round of work. A throw counts as a failure: the loop backs off and tries again. */
  tick: () => Promise<TickResult>;
  /** Shortest idle wait, ms. */
  minIdleMs: number;
  /** Longest idle wait, ms (the wait doubles from minIdleMs up to it). Default minIdleMs: a fixed interval. */
  maxIdleMs?: number;
  /** Wait before the first round, ms. Default 0 (at once). */
  initialDelayMs?: number;
  /** Wait after the n-th consecutive failure. */
  backoff: BackoffPolicy;
  /**
   * Whether wake() ends a backoff too. Default false: a loop that writers wake on every commit
   * would otherwise turn an outage's backoff into a retry per commit (docs/guarantees.md §4.9).
   */
  wakeEndsBackoff?: boolean;
  logger: Logger;
  /** Added to the loop's log lines (a lane's number, say). */
  logFields?: Record<string, unknown>;
  /** A round failed; `consecutiveFailures` counts this stretch of failures (1 for the first). */
  onError?: (error: unknown, consecutiveFailures: number) => void;
  /** A round succeeded after `failures` consecutive failed ones. */
  onRecovered?: (failures: number) => void;
  /**
   * Whether the loop logs "<what> recovered". Default true; false where the owner logs the end
   * of the outage itself (the relay's lanes: one "publishing resumed" for the instance).
   */
  logRecovery?: boolean;
}

/**
 * The one lifecycle of every background loop (relay lanes, lease heartbeat, back-check, retention):
 * `start()`, `stop()` (ends any wait and lets the round in flight finish), `wake()` (ends an idle
 * wait: there is news), `isRunning`, an adaptive idle wait, backoff after a failure, and the one
 * place that logs a loop's failures and its recovery. A round never overlaps the next one.
 */
export class BackgroundLoop {
  private running = false;
  private loopDone: Promise<void> | undefined;
  /** Idle waits: ended by wake() or stop(). */
  private readonly idle = new WakeableSleep();
  /** Backoff after a failure: ended by stop() (and by wake() when wakeEndsBackoff). */
  private readonly backoff = new WakeableSleep();
  private readonly maxIdleMs: number;
  private idleMs: number;

  constructor(private readonly options: BackgroundLoopOptions) {
    this.maxIdleMs = Math.max(options.minIdleMs, options.maxIdleMs ?? options.minIdleMs);
    this.idleMs = options.minIdleMs;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts the loop; a no-op while it runs. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.run();
  }

  /** Ends an idle wait now: there is work. A backoff after a failure runs its course unless wakeEndsBackoff. */
  wake(): void {
    this.idleMs = this.options.minIdleMs;
    this.idle.wake();
    if (this.options.wakeEndsBackoff) this.backoff.wake();
  }

  /** Ends any wait and resolves once the round in flight (if any) has finished. Safe to call twice. */
  async stop(): Promise<void> {
    this.running = false;
    this.idle.wake();
    this.backoff.wake();
    await this.loopDone;
  }

  private async run(): Promise<void> {
    const { options } = this;
    if (options.initialDelayMs) await this.sleep(this.idle, options.initialDelayMs);
    let failures = 0;
    while (this.running) {
      let result: TickResult;
      try {
        result = await options.tick();
      } catch (error) {
        failures += 1;
        options.onError?.(error, failures);
        const retryInMs = options.backoff(failures);
        options.logger.warn(`${options.what} failed; backing off`, { ...options.logFields, consecutiveFailures: failures, retryInMs, error });
        await this.sleep(this.backoff, retryInMs);
        continue;
      }
      if (failures > 0) {
        if (options.logRecovery !== false) options.logger.info(`${options.what} recovered`, { ...options.logFields, failedAttempts: failures });
        options.onRecovered?.(failures);
        failures = 0;
      }
      if (result === 'again') {
        this.idleMs = options.minIdleMs;
        continue;
      }
      if (result === 'worked') this.idleMs = options.minIdleMs;
      await this.sleep(this.idle, this.idleMs);
      this.idleMs = Math.min(this.maxIdleMs, this.idleMs * 2);
    }
  }

  private sleep(on: WakeableSleep, ms: number): Promise<void> {
    return this.running ? on.sleep(ms) : Promise.resolve();
  }
}
