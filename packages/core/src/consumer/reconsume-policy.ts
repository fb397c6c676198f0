import { describeError, thrownFacts } from '../describe-error.js';
import { InvalidConfigError } from '../errors.js';
import { DEFAULT_DELAY_LEVELS, delayForRetry, delayLevelFor, parseDelayLevels } from './delay-levels.js';

/** Decides whether a handler's error is worth another attempt. */
export type RetryableErrorPredicate = (error: unknown) => boolean;

export interface ReconsumeOptions {
  /**
   * Delays between attempts, as ms or a RocketMQ-style string (`"1s 5s 10s 30s 1m 2h"`).
   * Default RocketMQ's `messageDelayLevel`: 1s 5s 10s 30s 1m 2m … 10m 20m 30m 1h 2h.
   */
  delayLevels?: string | readonly number[];
  /**
   * Level (1-based) used by the first retry; each later retry uses the next level, capped at the
   * last. Default 3, as RocketMQ's consumer (`3 + reconsumeTimes`): 10 s first, 2 h for the 16th.
   */
  firstDelayLevel?: number;
  /** Retries after the first failure before the record goes to the dead-letter topic. Default 16. */
  maxReconsumeTimes?: number;
  /**
   * Which errors are retried. Default `isRetryableError`: everything except a `NonRetryableError`,
   * an undecodable value, and outboxkit errors flagged `retriable: false`.
   */
  isRetryable?: RetryableErrorPredicate;
}

export const DEFAULT_RECONSUME_OPTIONS = Object.freeze({
  delayLevels: DEFAULT_DELAY_LEVELS,
  firstDelayLevel: 3,
  maxReconsumeTimes: 16,
});

export interface ReconsumePolicy {
  delayLevels: readonly number[];
  firstDelayLevel: number;
  maxReconsumeTimes: number;
  isRetryable: RetryableErrorPredicate;
}

export function resolveReconsumePolicy(options: ReconsumeOptions = {}): ReconsumePolicy {
  const delayLevels = options.delayLevels === undefined ? DEFAULT_RECONSUME_OPTIONS.delayLevels : parseDelayLevels(options.delayLevels);
  const firstDelayLevel = options.firstDelayLevel ?? DEFAULT_RECONSUME_OPTIONS.firstDelayLevel;
  if (!Number.isInteger(firstDelayLevel) || firstDelayLevel < 1 || firstDelayLevel > delayLevels.length) {
    throw new InvalidConfigError('retry.firstDelayLevel', `must be an integer from 1 to ${delayLevels.length} (the number of delay levels), got ${describeError(firstDelayLevel, 100)}`);
  }
  const maxReconsumeTimes = options.maxReconsumeTimes ?? DEFAULT_RECONSUME_OPTIONS.maxReconsumeTimes;
  if (!Number.isInteger(maxReconsumeTimes) || maxReconsumeTimes < 0) {
    throw new InvalidConfigError('retry.maxReconsumeTimes', `must be a non-negative integer, got ${describeError(maxReconsumeTimes, 100)}`);
  }
  if (options.isRetryable !== undefined && typeof options.isRetryable !== 'function') {
    throw new InvalidConfigError('retry.isRetryable', `must be a function (error) => boolean, got ${typeof options.isRetryable}; leave it out to retry everything but non-retryable errors`);
  }
  return { delayLevels, firstDelayLevel, maxReconsumeTimes, isRetryable: options.isRetryable ?? isRetryableError };
}

/**
 * The default predicate. It reads `code` and `retriable` rather than using `instanceof`, so an
 * error from a second copy of @outboxkit/core (a bundler, a nested install) is classified alike.
 * Any thrown value is accepted (a revoked Proxy, throwing getters): what cannot be read is retried.
 */
export function isRetryableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const { code } = thrownFacts(error);
  let retriable: unknown;
  try {
    retriable = (error as { retriable?: unknown }).retriable;
  } catch {
    return true;
  }
  return !(code !== undefined && code.startsWith('OUTBOX_') && retriable === false);
}

export type DeadLetterReason = 'max-reconsume-times' | 'non-retryable' | 'undecodable' | 'no-handler';

export type FailureDecision =
  | { action: 'retry'; reconsumeTimes: number; delayLevel: number; delayMs: number; dueAt: number }
  | { action: 'dead-letter'; reason: DeadLetterReason; reconsumeTimes: number };

/**
 * What to do with a record whose handler failed on delivery number `reconsumeTimes + 1`: retry it
 * at the next delay level, or send it to the dead-letter topic.
 */
export function decideAfterFailure(policy: ReconsumePolicy, error: unknown, reconsumeTimes: number, now: number): FailureDecision {
  if (!retryable(policy, error)) {
    const { code } = thrownFacts(error);
    return { action: 'dead-letter', reason: code === 'OUTBOX_MESSAGE_DECODE' ? 'undecodable' : 'non-retryable', reconsumeTimes };
  }
  if (reconsumeTimes >= policy.maxReconsumeTimes) return { action: 'dead-letter', reason: 'max-reconsume-times', reconsumeTimes };
  const next = reconsumeTimes + 1;
  const delayMs = delayForRetry(next, policy.delayLevels, policy.firstDelayLevel);
  return {
    action: 'retry',
    reconsumeTimes: next,
    delayLevel: delayLevelFor(next, policy.firstDelayLevel, policy.delayLevels.length),
    delayMs,
    dueAt: now + delayMs,
  };
}

/** A user's predicate that throws must not stop the consumer: its record is retried, as by default. */
function retryable(policy: ReconsumePolicy, error: unknown): boolean {
  try {
    return Boolean(policy.isRetryable(error));
  } catch {
    return true;
  }
}
