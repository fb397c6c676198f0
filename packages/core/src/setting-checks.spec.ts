import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from './errors.js';
import { positiveInteger } from './setting-checks.js';

describe('positiveInteger', () => {
  it('returns an integer of at least min', () => {
    expect(positiveInteger('batchSize', 1)).toBe(1);
    expect(positiveInteger('retries', 0, { min: 0 })).toBe(0);
  });

  it('refuses what is not, naming the setting and what it needs', () => {
    const refusal = (value: unknown, options?: { min?: number; unit?: string }) => {
      try {
        positiveInteger('maxKeyBytes', value, options);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidConfigError);
        return (error as InvalidConfigError).message;
      }
      throw new Error('expected an InvalidConfigError');
    };
    expect(refusal(0)).toMatch(/maxKeyBytes: must be a positive integer, got 0$/);
    expect(refusal(1.5, { unit: 'bytes' })).toMatch(/must be a positive integer \(bytes\), got 1\.5$/);
    expect(refusal(-1, { min: 0 })).toMatch(/must be a non-negative integer, got -1$/);
    expect(refusal(2, { min: 3 })).toMatch(/must be an integer of at least 3, got 2$/);
    expect(refusal('1024')).toMatch(/must be a positive integer, got 1024$/);
    expect(refusal(Number.NaN)).toMatch(/got NaN$/);
    expect(refusal(2 ** 53)).toMatch(/must be a positive integer/);
  });
});
