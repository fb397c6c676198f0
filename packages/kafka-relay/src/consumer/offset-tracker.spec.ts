import { describe, expect, it } from 'vitest';
import { OffsetTracker } from './offset-tracker.js';

describe('OffsetTracker', () => {
  it('advances only over a finished prefix, never past an unfinished record', () => {
    const tracker = new OffsetTracker(['10', '11', '12', '13']);
    expect(tracker.lastContiguous).toBeUndefined();
    expect(tracker.finish(2)).toBeUndefined();
    expect(tracker.finish(1)).toBeUndefined();
    expect(tracker.lastContiguous).toBeUndefined();
    expect(tracker.lowestUnfinished).toBe('10');
    // The first record finishing releases everything finished after it.
    expect(tracker.finish(0)).toBe('12');
    expect(tracker.lowestUnfinished).toBe('13');
    expect(tracker.finish(3)).toBe('13');
    expect(tracker.lowestUnfinished).toBeUndefined();
  });

  it('works on offsets with gaps (compacted topics, transaction markers)', () => {
    const tracker = new OffsetTracker(['5', '9', '20']);
    expect(tracker.finish(0)).toBe('5');
    expect(tracker.finish(2)).toBeUndefined();
    expect(tracker.lastContiguous).toBe('5');
    expect(tracker.finish(1)).toBe('20');
  });

  it('refuses a record finished twice or not in the batch', () => {
    const tracker = new OffsetTracker(['0', '1']);
    tracker.finish(1);
    expect(() => tracker.finish(1)).toThrow(/twice/);
    expect(() => tracker.finish(2)).toThrow(RangeError);
  });

  it('never reports an offset past the lowest unfinished record, whatever the finishing order', () => {
    // Every permutation of 5 records: the reported offsets rise, and each covers finished records only.
    const offsets = ['0', '1', '2', '3', '4'];
    const permutations = (items: number[]): number[][] =>
      items.length <= 1 ? [items] : items.flatMap((first, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [first, ...rest]));
    for (const order of permutations([0, 1, 2, 3, 4])) {
      const tracker = new OffsetTracker(offsets);
      const finished = new Set<number>();
      let last = -1;
      for (const index of order) {
        finished.add(index);
        const reported = tracker.finish(index);
        if (reported === undefined) continue;
        expect(Number(reported)).toBeGreaterThan(last);
        for (let n = 0; n <= Number(reported); n += 1) expect(finished.has(n)).toBe(true);
        last = Number(reported);
      }
      expect(last).toBe(4);
    }
  });
});
