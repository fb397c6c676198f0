import { describe, expect, it } from 'vitest';
import { InvalidTransitionError } from './errors.js';
import { assertTransition, canTransition, MessageStatus } from './message-states.js';

describe('message state machine', () => {
  it('allows the moves of docs/guarantees.md §3', () => {
    expect(canTransition('HALF', 'READY')).toBe(true);
    expect(canTransition('HALF', 'ROLLED_BACK')).toBe(true);
    expect(canTransition('READY', 'PUBLISHED')).toBe(true);
    expect(canTransition('READY', 'DEAD')).toBe(true);
    expect(canTransition('DEAD', 'READY')).toBe(true);
  });

  it('refuses every other move with a typed error', () => {
    expect(canTransition('ROLLED_BACK', 'READY')).toBe(false);
    expect(canTransition('PUBLISHED', 'READY')).toBe(false);
    expect(canTransition('HALF', 'PUBLISHED')).toBe(false);
    expect(() => assertTransition(MessageStatus.READY, MessageStatus.HALF, 'm1')).toThrow(InvalidTransitionError);
  });
});
