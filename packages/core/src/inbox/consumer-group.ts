import { InvalidConfigError } from '../errors.js';
import { unstorableCharacter } from '../unicode-text.js';

/** Longest consumer group id, in characters: with a 1024-byte dedupe key it keeps an inbox primary-key entry under PostgreSQL's btree limit. */
export const MAX_CONSUMER_GROUP_CHARS = 255;

/**
 * Refuses a consumer group id the inbox cannot store with every receipt, or one that is almost
 * certainly a mistake, with the setting's name and what to pass instead. Kafka itself accepts
 * nearly any string; PostgreSQL TEXT does not (a NUL, a lone surrogate), and a stray newline or
 * space from an env file would silently make a second group.
 */
export function checkConsumerGroup(group: unknown, setting: string): asserts group is string {
  const fix = 'use a stable name such as "inventory-service" (letters, digits, ".", "_", "-")';
  if (typeof group !== 'string' || group.length === 0) {
    throw new InvalidConfigError(setting, `is required: the consumer group whose receipts the inbox records; ${fix}, got ${typeof group === 'string' ? 'an empty string' : String(group)}`);
  }
  if (group.length > MAX_CONSUMER_GROUP_CHARS) {
    throw new InvalidConfigError(setting, `is ${group.length} characters long; use at most ${MAX_CONSUMER_GROUP_CHARS}`);
  }
  if (unstorableCharacter(group) !== undefined) {
    throw new InvalidConfigError(setting, `contains a character PostgreSQL cannot store with the receipts (a NUL or a lone surrogate); ${fix}`);
  }
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(group);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, '0');
    throw new InvalidConfigError(setting, `contains the control character U+${code.toUpperCase()} (a stray newline or tab?); ${fix}`);
  }
  if (group.trim() !== group) throw new InvalidConfigError(setting, `"${group}" has leading or trailing whitespace (from an env file?); remove it`);
}
