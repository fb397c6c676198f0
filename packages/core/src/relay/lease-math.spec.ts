import { describe, expect, it } from 'vitest';
import { fairShare, leaseValidUntil, planLeases, publishBudget } from './lease-math.js';

describe('lease math', () => {
  it('splits partitions evenly, rounding up', () => {
    expect(fairShare(32, 1)).toBe(32);
    expect(fairShare(32, 3)).toBe(11);
    expect(fairShare(32, 0)).toBe(32);
    expect(fairShare(4, 8)).toBe(1);
    // Three instances taking their share cover every partition.
    expect(fairShare(32, 3) * 3).toBeGreaterThanOrEqual(32);
  });

  it('acquires up to the share, releases the highest partitions above it', () => {
    expect(planLeases([0, 1], 5)).toEqual({ acquire: 3, release: [] });
    expect(planLeases([9, 2, 7, 4], 2)).toEqual({ acquire: 0, release: [7, 9] });
    expect(planLeases([1, 2], 2)).toEqual({ acquire: 0, release: [] });
  });

  it('dates a lease from when the request was sent (never later than the database expiry)', () => {
    expect(leaseValidUntil(1_000, 10_000)).toBe(11_000);
  });

  it('leaves a safety margin for the acknowledgement and never goes negative', () => {
    expect(publishBudget(11_000, 4_000, 1_000)).toBe(6_000);
    expect(publishBudget(11_000, 10_500, 1_000)).toBe(0);
  });
});
