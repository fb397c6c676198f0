/**
 * Checks on JavaScript strings for what PostgreSQL cannot store: the NUL character (no TEXT or
 * JSONB value can hold it) and lone surrogates — UTF-16 halves without their partner, which
 * have no UTF-8 form. A driver turns a lone surrogate into U+FFFD (silently changing a key) and
 * JSONB refuses its `\udXXX` escape, so both are refused before they reach the database.
 * (`String.prototype.isWellFormed` is ES2024; these work on code units, without the `u` flag.)
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

export type UnstorableCharacter = 'nul' | 'lone-surrogate';

/** How an error message names each kind. */
export const UNSTORABLE_CHARACTER_NAMES: Readonly<Record<UnstorableCharacter, string>> = Object.freeze({
  nul: 'a NUL character (\\u0000)',
  'lone-surrogate': 'a lone surrogate (an unpaired half of a UTF-16 surrogate pair)',
});

/** What in `text` the database cannot store, or undefined when it can be stored as it is. */
export function unstorableCharacter(text: string): UnstorableCharacter | undefined {
  if (text.includes('\u0000')) return 'nul';
  if (LONE_SURROGATE.test(text)) return 'lone-surrogate';
  return undefined;
}

/** `text` with every lone surrogate replaced by U+FFFD, as a UTF-8 encoder would. */
export function withoutLoneSurrogates(text: string): string {
  return text.replace(LONE_SURROGATES, '\uFFFD');
}
