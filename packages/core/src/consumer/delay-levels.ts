import { describeError } from '../describe-error.js';
import { InvalidConfigError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * RocketMQ's `messageDelayLevel`: the delays a retried record waits, level 1 first. docs/guarantees.md §2.
 * `1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h`, in ms.
 */
export const DEFAULT_DELAY_LEVELS: readonly number[] = Object.freeze(
  parseDelayLevels('1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h'),
);

/**
 * Reads delay levels written as RocketMQ writes them (`"1s 5s 10s 30s 1m 2h"`; units ms, s, m,
 * h, d; spaces or commas between) or as an array of milliseconds.
 */
export function parseDelayLevels(levels: string | readonly number[], setting = 'retry.delayLevels'): number[] {
  if (typeof levels !== 'string' && !Array.isArray(levels)) {
    throw new InvalidConfigError(setting, `must be a string such as "1s 5s 10s" or an array of milliseconds, got ${describeError(levels, 100)}`);
  }
  const parsed = typeof levels === 'string' ? levels.split(/[\s,]+/).filter(Boolean).map((token) => parseDuration(token, setting)) : [...levels];
  if (parsed.length === 0) throw new InvalidConfigError(setting, 'needs at least one delay level, e.g. "1s 5s 10s 30s"');
  for (const delay of parsed) {
    if (!Number.isFinite(delay) || delay < 0) {
      throw new InvalidConfigError(setting, `every level must be a non-negative number of ms, got ${describeError(delay, 100)}`);
    }
  }
  return parsed;
}

function parseDuration(token: string, setting: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(token.trim());
  if (!match) throw new InvalidConfigError(setting, `"${token}" is not a duration (use e.g. 500ms, 1s, 2m, 1h)`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
}

/**
 * The delay level (1-based) of retry number `reconsumeTimes` (1 for the first retry). As in
 * RocketMQ, the first retry uses `firstLevel` and every later one the next level, capped at the
 * last level: with the defaults (first level 3) the 1st retry waits 10 s and the 16th 2 h.
 */
export function delayLevelFor(reconsumeTimes: number, firstLevel: number, levelCount: number): number {
  if (!Number.isInteger(reconsumeTimes) || reconsumeTimes < 1) {
    throw new RangeError(`reconsumeTimes must be a positive integer, got ${String(reconsumeTimes)}`);
  }
  return Math.min(levelCount, Math.max(1, firstLevel) + reconsumeTimes - 1);
}

/** The delay, in ms, before retry number `reconsumeTimes` is due. */
export function delayForRetry(reconsumeTimes: number, levels: readonly number[], firstLevel: number): number {
  return levels[delayLevelFor(reconsumeTimes, firstLevel, levels.length) - 1]!;
}
