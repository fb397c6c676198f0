import { ConsumerCrashedError, type Logger } from '@outboxkit/core';
import { describeError } from '@outboxkit/core/internal';
import type { Consumer } from 'kafkajs';
import type { InboxConsumerEvents } from './inbox-consumer-events.js';
import type { InboxConsumerRestartOptions } from './inbox-consumer-settings.js';

export interface CrashRestarterOptions {
  consumer: Pick<Consumer, 'on' | 'events'>;
  groupId: string;
  settings: Required<InboxConsumerRestartOptions>;
  logger: Logger;
  /** Runs the crashed kafkajs consumer again, with the same handlers. */
  restart(): Promise<void>;
  /** False once the consumer is stopping: a crash then changes nothing. */
  isRunning(): boolean;
  onCrashed(event: InboxConsumerEvents['consumer:crashed']): void;
  onResumed(event: InboxConsumerEvents['consumer:resumed']): void;
  /** The restarts did not help: the consumer must stop and say so. */
  onGaveUp(error: ConsumerCrashedError): void;
  now?: () => number;
}

/**
 * Keeps a kafkajs consumer consuming (docs/guarantees.md §4.9). kafkajs restarts its consumer
 * after a crash only when the error is retriable; after any other — a TypeError or RangeError out
 * of `eachBatch`, a non-retriable protocol error such as INCONSISTENT_GROUP_PROTOCOL when joining,
 * a `restartOnFailure` that said no — it emits `CRASH` with `restart: false` and leaves the
 * consumer dead while the process lives on. This restarts it with a doubling delay, logging each
 * crash and the recovery; after `retries` restarts in a row that did not hold it gives up, so the
 * consumer can stop and report (`consumer:fatal`, a rejected `run()`) for a supervisor to act.
 *
 * A restart holds once the consumer stays up for `maxDelayMs` after rejoining its group; one that
 * crashes again sooner counts towards `retries`, so a crash on every join still ends in giving up.
 */
export class CrashRestarter {
  private attempt = 0;
  private crashedAt: number | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: Array<() => void>;
  private readonly now: () => number;

  constructor(private readonly options: CrashRestarterOptions) {
    this.now = options.now ?? Date.now;
    const { consumer } = options;
    const { CRASH, GROUP_JOIN } = consumer.events;
    this.unsubscribe = [
      consumer.on(CRASH, ({ payload }) => this.crashed(payload.error, payload.restart)),
      consumer.on(GROUP_JOIN, () => this.joined()),
    ];
  }

  /** The consumer is stopping: no further restart. */
  stop(): void {
    clearTimeout(this.restartTimer);
    clearTimeout(this.stableTimer);
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  private crashed(error: unknown, kafkajsRestarts: boolean): void {
    const { isRunning, settings, logger, groupId } = this.options;
    if (!isRunning()) return;
    clearTimeout(this.stableTimer);
    this.crashedAt ??= this.now();
    if (kafkajsRestarts) {
      // kafkajs logs the crash and its restart itself (through the consumer's logger).
      this.options.onCrashed({ error, restartedBy: 'kafkajs', attempt: 0, delayMs: 0 });
      return;
    }
    this.attempt += 1;
    if (this.attempt > settings.retries) {
      const gaveUp = new ConsumerCrashedError(groupId, settings.retries, describeError(error), { cause: error });
      logger.error('inbox consumer gave up restarting after crashes; it stops', { groupId, restarts: settings.retries, error: describeError(error) });
      this.options.onGaveUp(gaveUp);
      return;
    }
    const delayMs = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** (this.attempt - 1));
    logger.error('inbox consumer crashed and kafkajs does not restart it; restarting it', {
      groupId,
      attempt: this.attempt,
      retries: settings.retries,
      delayMs,
      error: describeError(error),
    });
    this.options.onCrashed({ error, restartedBy: 'consumer', attempt: this.attempt, delayMs });
    // Not unref'd: with kafkajs's sockets closed by the crash, this timer may be all that keeps
    // the process alive — it must not exit 0 instead of restarting.
    this.restartTimer = setTimeout(() => void this.restartNow(), delayMs);
  }

  private async restartNow(): Promise<void> {
    if (!this.options.isRunning()) return;
    try {
      await this.options.restart();
    } catch (error) {
      this.crashed(error, false);
    }
  }

  private joined(): void {
    if (this.crashedAt === undefined) return;
    const downMs = this.now() - this.crashedAt;
    const restarts = this.attempt;
    this.crashedAt = undefined;
    this.options.logger.warn('inbox consumer resumed after a crash', { groupId: this.options.groupId, restarts, downMs });
    this.options.onResumed({ restarts, downMs });
    clearTimeout(this.stableTimer);
    this.stableTimer = setTimeout(() => (this.attempt = 0), this.options.settings.maxDelayMs);
    this.stableTimer.unref();
  }
}
