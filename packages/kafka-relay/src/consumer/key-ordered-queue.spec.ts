import { describe, expect, it } from 'vitest';
import { KeyOrderedQueue } from './key-ordered-queue.js';

/** Takes every record that may start now. */
const drain = (queue: KeyOrderedQueue) => {
  const taken: number[] = [];
  for (let index = queue.next(); index !== undefined; index = queue.next()) taken.push(index);
  return taken;
};

describe('KeyOrderedQueue', () => {
  it('hands out one record per key at a time, the next of a key only after the previous completed', () => {
    const queue = new KeyOrderedQueue(['a', 'b', 'a', 'c', 'b', 'a']);
    expect(drain(queue)).toEqual([0, 1, 3]);
    expect(queue.inFlight).toBe(3);
    queue.complete(3); // c done: nothing of c waits
    expect(drain(queue)).toEqual([]);
    queue.complete(1); // b done: its next record (4) may start
    expect(drain(queue)).toEqual([4]);
    queue.complete(0);
    expect(drain(queue)).toEqual([2]);
    queue.complete(2);
    queue.complete(4);
    expect(drain(queue)).toEqual([5]);
    expect(queue.drained).toBe(true);
    queue.complete(5);
    expect(queue.inFlight).toBe(0);
  });

  it('starts the lowest offset first among records that became free', () => {
    const queue = new KeyOrderedQueue(['a', 'b', 'b', 'a', 'c']);
    expect(drain(queue)).toEqual([0, 1, 4]);
    queue.complete(0); // a's next is 3
    queue.complete(1); // b's next is 2, lower than 3
    expect(queue.next()).toBe(2);
    expect(queue.next()).toBe(3);
  });

  it('keeps the order of null-key records (one shared key) and of a key seen after it freed', () => {
    const queue = new KeyOrderedQueue(['', '', 'x']);
    expect(drain(queue)).toEqual([0, 2]);
    queue.complete(0);
    expect(drain(queue)).toEqual([1]);
  });

  it('per key, hands records out in offset order under any completion order', () => {
    const keys = Array.from({ length: 200 }, (_, n) => `k${(n * 7) % 5}`);
    const queue = new KeyOrderedQueue(keys);
    const running: number[] = [];
    const started: number[] = [];
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    while (started.length < keys.length) {
      for (let index = queue.next(); index !== undefined; index = queue.next()) {
        expect(running.some((r) => keys[r] === keys[index])).toBe(false);
        running.push(index);
        started.push(index);
      }
      const [done] = running.splice(Math.floor(random() * running.length), 1);
      queue.complete(done!);
    }
    for (const key of new Set(keys)) {
      const ofKey = started.filter((index) => keys[index] === key);
      expect(ofKey).toEqual([...ofKey].sort((x, y) => x - y));
    }
  });

  it('refuses to complete a record that is not running', () => {
    const queue = new KeyOrderedQueue(['a']);
    expect(() => queue.complete(0)).toThrow(/not running/);
  });
});
