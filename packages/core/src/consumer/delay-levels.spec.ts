import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { DEFAULT_DELAY_LEVELS, delayForRetry, delayLevelFor, parseDelayLevels } from './delay-levels.js';

describe('delay levels', () => {
  it("default to RocketMQ's messageDelayLevel (docs/guarantees.md §2)", () => {
    expect(DEFAULT_DELAY_LEVELS).toEqual([
      1_000, 5_000, 10_000, 30_000, 60_000, 120_000, 180_000, 240_000, 300_000, 360_000, 420_000, 480_000, 540_000, 600_000,
      1_200_000, 1_800_000, 3_600_000, 7_200_000,
    ]);
  });

  it('parse RocketMQ-style strings and arrays of ms', () => {
    expect(parseDelayLevels('100ms 1s, 2m 1h 1d 1.5s')).toEqual([100, 1_000, 120_000, 3_600_000, 86_400_000, 1_500]);
    expect(parseDelayLevels([5, 10])).toEqual([5, 10]);
    expect(() => parseDelayLevels('1s 5x')).toThrow(InvalidConfigError);
    expect(() => parseDelayLevels('')).toThrow(/at least one/);
    expect(() => parseDelayLevels([-1])).toThrow(/non-negative/);
  });

  it('step one level per retry from the first level, capped at the last (RocketMQ: 3 + reconsumeTimes)', () => {
    expect(delayLevelFor(1, 3, 18)).toBe(3);
    expect(delayLevelFor(16, 3, 18)).toBe(18);
    expect(delayLevelFor(17, 3, 18)).toBe(18);
    expect(delayForRetry(1, DEFAULT_DELAY_LEVELS, 3)).toBe(10_000);
    expect(delayForRetry(2, DEFAULT_DELAY_LEVELS, 3)).toBe(30_000);
    expect(delayForRetry(16, DEFAULT_DELAY_LEVELS, 3)).toBe(7_200_000);
    expect(delayForRetry(3, [100, 200], 1)).toBe(200);
    expect(() => delayLevelFor(0, 1, 3)).toThrow(RangeError);
  });
});
