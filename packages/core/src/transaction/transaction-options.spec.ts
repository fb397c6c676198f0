import { describe, expect, it } from 'vitest';
import { InvalidTransactionOptionsError } from '../errors.js';
import { checkDefaultTransactionOptions, checkTransactionOptions } from './transaction-options.js';

describe('checkTransactionOptions', () => {
  it('defaults to propagation required and hands the adapter only the options it opens with', () => {
    expect(checkTransactionOptions(undefined)).toEqual({ propagation: 'required', open: {} });
    expect(checkTransactionOptions({ propagation: 'nested', timeoutMs: 100, maxWaitMs: 50, isolationLevel: 'Serializable' })).toEqual({
      propagation: 'nested',
      open: { timeoutMs: 100, maxWaitMs: 50, isolationLevel: 'Serializable' },
    });
  });

  it.each([
    ['a string', 'nested', 'options', /must be an object such as \{ propagation: 'nested'/],
    ['null', null, 'options', /got null/],
    ['an unknown propagation', { propagation: 'NESTED' }, 'propagation', /must be one of 'required', 'nested', 'requiresNew', got "NESTED"/],
    ["Prisma's spelling of the timeout", { timeout: 5000 }, 'timeout', /outboxkit spells it timeoutMs/],
    ['a negative timeout', { timeoutMs: -1 }, 'timeoutMs', /positive number of milliseconds, got -1/],
    ['a NaN wait', { maxWaitMs: Number.NaN }, 'maxWaitMs', /got NaN/],
    ['a string timeout', { timeoutMs: '5000' }, 'timeoutMs', /got "5000"/],
    ['an unknown isolation level', { isolationLevel: 'read committed' }, 'isolationLevel', /'ReadCommitted', 'RepeatableRead', 'Serializable'/],
  ])('refuses %s with a typed error naming the option', (_label, options, option, message) => {
    const error = (() => {
      try {
        checkTransactionOptions(options);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidTransactionOptionsError);
    expect(error).toMatchObject({ code: 'OUTBOX_INVALID_TRANSACTION_OPTIONS', option });
    expect((error as Error).message).toMatch(message);
  });

  it('accepts the keys its caller handles itself', () => {
    expect(checkTransactionOptions({ outbox: {} }, ['outbox']).propagation).toBe('required');
    expect(() => checkTransactionOptions({ outbox: {} })).toThrow(InvalidTransactionOptionsError);
  });

  it('keeps propagation out of the Outbox-wide defaults', () => {
    expect(checkDefaultTransactionOptions({ timeoutMs: 10 })).toEqual({ timeoutMs: 10 });
    expect(() => checkDefaultTransactionOptions({ propagation: 'nested' })).toThrow(/cannot be an Outbox-wide default/);
  });
});
