import { withoutLoneSurrogates } from '../unicode-text.js';

/** Longest reason stored in `last_error`, in characters. */
export const MAX_REASON_CHARS = 1_000;

/**
 * A failure reason as a TEXT column can always store it: bounded, without NUL and without lone
 * surrogates (see unicode-text.ts). A reason comes from a broker's or a database's error text,
 * which may quote anything, so the statement that parks a message must not depend on it being
 * well-formed: parking is what stops a batch from repeating (docs/guarantees.md §4.5, §4.9).
 */
export function storableReason(reason: string): string {
  let text = reason.replaceAll('\u0000', '\\0');
  if (text.length > MAX_REASON_CHARS) text = `${text.slice(0, MAX_REASON_CHARS - 1)}…`;
  // After the cut: it may have split a surrogate pair.
  return withoutLoneSurrogates(text);
}

/** A storable reason for a thrown value (which may be anything, even a null-prototype object). */
export function storableReasonOf(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? String(error.message) : String(error);
  } catch {
    // String() throws on a null-prototype object.
    text = Object.prototype.toString.call(error);
  }
  return storableReason(text);
}
