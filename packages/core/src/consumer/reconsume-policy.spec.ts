import { describe, expect, it } from 'vitest';
import { InvalidConfigError, MessageDecodeError, NonRetryableError, OutboxError } from '../errors.js';
import { decideAfterFailure, isRetryableError, resolveReconsumePolicy } from './reconsume-policy.js';

describe('reconsume policy', () => {
  it('defaults to 16 reconsume times starting at level 3', () => {
    const policy = resolveReconsumePolicy();
    expect(policy.maxReconsumeTimes).toBe(16);
    expect(policy.firstDelayLevel).toBe(3);
    expect(policy.delayLevels).toHaveLength(18);
  });

  it('refuses settings that make no sense', () => {
    expect(() => resolveReconsumePolicy({ firstDelayLevel: 0 })).toThrow(InvalidConfigError);
    expect(() => resolveReconsumePolicy({ delayLevels: '1s 2s', firstDelayLevel: 3 })).toThrow(/1 to 2/);
    expect(() => resolveReconsumePolicy({ maxReconsumeTimes: -1 })).toThrow(/maxReconsumeTimes/);
  });

  it('retries with the due time of the next level, then dead-letters after maxReconsumeTimes', () => {
    const policy = resolveReconsumePolicy({ delayLevels: [100, 200, 300], firstDelayLevel: 1, maxReconsumeTimes: 3 });
    const boom = new Error('boom');
    expect(decideAfterFailure(policy, boom, 0, 1_000)).toEqual({ action: 'retry', reconsumeTimes: 1, delayLevel: 1, delayMs: 100, dueAt: 1_100 });
    expect(decideAfterFailure(policy, boom, 1, 1_000)).toMatchObject({ action: 'retry', reconsumeTimes: 2, delayMs: 200 });
    expect(decideAfterFailure(policy, boom, 2, 1_000)).toMatchObject({ action: 'retry', reconsumeTimes: 3, delayLevel: 3, dueAt: 1_300 });
    expect(decideAfterFailure(policy, boom, 3, 1_000)).toEqual({ action: 'dead-letter', reason: 'max-reconsume-times', reconsumeTimes: 3 });
  });

  it('dead-letters non-retryable and undecodable records at once', () => {
    const policy = resolveReconsumePolicy();
    expect(decideAfterFailure(policy, new NonRetryableError('bad order'), 0, 0)).toEqual({ action: 'dead-letter', reason: 'non-retryable', reconsumeTimes: 0 });
    expect(decideAfterFailure(policy, new MessageDecodeError('not JSON'), 0, 0)).toMatchObject({ reason: 'undecodable' });
    const custom = resolveReconsumePolicy({ isRetryable: (error) => !(error instanceof TypeError) });
    expect(decideAfterFailure(custom, new TypeError('x'), 2, 0)).toMatchObject({ action: 'dead-letter', reason: 'non-retryable', reconsumeTimes: 2 });
  });

  it('classifies by code and retriable flag, not by class identity', () => {
    expect(isRetryableError(new Error('db down'))).toBe(true);
    expect(isRetryableError('a string')).toBe(true);
    expect(isRetryableError(new OutboxError('OUTBOX_DATABASE', 'x', { retriable: true }))).toBe(true);
    expect(isRetryableError(new NonRetryableError('no'))).toBe(false);
    expect(isRetryableError({ code: 'OUTBOX_NON_RETRYABLE', retriable: false })).toBe(false);
    expect(isRetryableError({ code: 'ECONNRESET', retriable: false })).toBe(true);
  });
});
