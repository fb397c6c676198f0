import { describe, expect, it } from 'vitest';
import { isUuid, newMessageId } from './message-id.js';

/** The 48-bit Unix-millisecond timestamp at the front of a UUIDv7 (RFC 9562 §5.7). */
const timestampOf = (id: string) => parseInt(id.replaceAll('-', '').slice(0, 12), 16);

describe('newMessageId (UUIDv7, RFC 9562)', () => {
  it('is a version-7, variant-10 UUID carrying the current Unix time in milliseconds', () => {
    const before = Date.now();
    const id = newMessageId();
    const after = Date.now();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(isUuid(id)).toBe(true);
    expect(timestampOf(id)).toBeGreaterThanOrEqual(before);
    expect(timestampOf(id)).toBeLessThanOrEqual(after);
  });

  it('is strictly increasing within the process, many ids per millisecond included', () => {
    const ids = Array.from({ length: 50_000 }, () => newMessageId());
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} < ${ids[i]}`).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps increasing when the clock steps back', () => {
    const realNow = Date.now;
    try {
      const first = newMessageId();
      Date.now = () => realNow() - 60_000;
      const second = newMessageId();
      expect(second > first).toBe(true);
      expect(timestampOf(second)).toBeGreaterThanOrEqual(timestampOf(first));
    } finally {
      Date.now = realNow;
    }
  });

  it('has random bits: two processes (fresh counters) do not collide', () => {
    // Different ids in the same millisecond differ in their random tail, not only in the counter.
    const tails = new Set(Array.from({ length: 1_000 }, () => newMessageId().slice(-12)));
    expect(tails.size).toBe(1_000);
  });
});
