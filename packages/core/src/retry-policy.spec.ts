import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from './retry-policy.js';

describe('exponentialBackoff', () => {
  it('doubles up to the cap, with half of each delay jittered', () => {
    const low = exponentialBackoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    const high = exponentialBackoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6].map(low)).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map(high)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
