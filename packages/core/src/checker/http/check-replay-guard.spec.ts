import { describe, expect, it } from 'vitest';
import { CheckReplayGuard } from './check-replay-guard.js';

describe('CheckReplayGuard', () => {
  it('admits a signature once while it is inside the window', () => {
    const guard = new CheckReplayGuard(1_000, 10);
    expect(guard.admit('a', 5_000, 5_000)).toBe(true);
    expect(guard.admit('a', 5_000, 5_500)).toBe(false);
    expect(guard.admit('b', 5_001, 5_500)).toBe(true);
  });

  it('forgets signatures the window refuses anyway', () => {
    const guard = new CheckReplayGuard(1_000, 10);
    guard.admit('a', 5_000, 5_000);
    guard.admit('b', 5_800, 5_800);
    expect(guard.admit('c', 6_500, 6_500)).toBe(true);
    expect(guard.size).toBe(2);
  });

  it('stays bounded, and never lets a forgotten signature back in', () => {
    const guard = new CheckReplayGuard(60_000, 3);
    for (const [i, signature] of ['a', 'b', 'c', 'd'].entries()) expect(guard.admit(signature, 1_000 + i, 2_000)).toBe(true);
    expect(guard.size).toBe(3);
    // 'a' was forgotten to make room: it, and anything signed at or before it, is refused now.
    expect(guard.admit('a', 1_000, 2_000)).toBe(false);
    expect(guard.admit('late', 999, 2_000)).toBe(false);
    expect(guard.admit('e', 1_010, 2_000)).toBe(true);
  });
});
