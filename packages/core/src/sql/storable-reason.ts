import { storableText, thrownFacts } from '../describe-error.js';

/** Longest reason stored in `last_error`, in characters. */
export const MAX_REASON_CHARS = 1_000;

/**
 * A failure reason as a TEXT column can always store it: bounded, without NUL and without lone
 * surrogates (see unicode-text.ts). A reason comes from a broker's or a database's error text,
 * which may quote anything, so the statement that parks a message must not depend on it being
 * well-formed: parking is what stops a batch from repeating (docs/guarantees.md §4.5, §4.9).
 */
export function storableReason(reason: string): string {
  return storableText(reason, MAX_REASON_CHARS);
}

/** A storable reason for a thrown value (which may be anything, even a null-prototype object or a revoked Proxy). */
export function storableReasonOf(error: unknown): string {
  return storableReason(thrownFacts(error).message);
}
