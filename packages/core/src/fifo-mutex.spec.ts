import { describe, expect, it } from 'vitest';
import { FifoMutex } from './fifo-mutex.js';

describe('FifoMutex', () => {
  it('runs one function at a time, in call order, and a failure does not stop the next', async () => {
    const mutex = new FifoMutex();
    const log: string[] = [];
    let running = 0;
    const task = (name: string, ms: number, fail = false) =>
      mutex.run(async () => {
        running += 1;
        expect(running).toBe(1);
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
        running -= 1;
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([task('a', 6), task('b', 1, true), task('c', 3)]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
