import { describeError } from './describe-error.js';
import { InvalidConfigError } from './errors.js';

/**
 * `value` when it is an integer of at least `min` (1 by default), else an InvalidConfigError
 * naming `setting`: "must be a positive integer, got 0" (with `min` 0: "a non-negative integer";
 * another `min`: "an integer of at least 3"). `unit` is said after "integer", as in "(bytes)".
 * The one check behind every count, size and period of the library's settings.
 */
export function positiveInteger(setting: string, value: unknown, options: { min?: number; unit?: string } = {}): number {
  const min = options.min ?? 1;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer of at least ${min}`;
    throw new InvalidConfigError(setting, `must be ${what}${options.unit ? ` (${options.unit})` : ''}, got ${describeError(value, 100)}`);
  }
  return value;
}
