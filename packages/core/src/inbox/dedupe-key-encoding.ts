import { createHash } from 'node:crypto';
import { unstorableCharacter, withoutLoneSurrogates } from '../unicode-text.js';

/**
 * Longest dedupe key stored as it is, in UTF-8 bytes. The inbox's primary key is (consumer_group,
 * message_id), a btree whose entries PostgreSQL caps at 2704 bytes: 1024 bytes of key plus a group
 * id of at most 255 characters (1020 bytes) always fit. A longer id is stored as its SHA-256.
 */
export const MAX_DEDUPE_KEY_BYTES = 1024;

/** Ids that are not storable text become `\x` + their bytes in hex (PostgreSQL's bytea spelling)… */
const BYTES_PREFIX = '\\x';
/** …or, when that is too long, `\sha256:` + the hex SHA-256 of their bytes. */
const DIGEST_PREFIX = '\\sha256:';

/** `fatal`: invalid UTF-8 throws instead of becoming U+FFFD; `ignoreBOM`: a leading BOM is kept, not dropped. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The inbox dedupe key of a message id, as the id arrived: a header's bytes, or the text an
 * extractor returned. Lossless and stable, so two different ids never share a key and one id
 * always gets the same key (docs/guarantees.md §4.6):
 *
 * - an id that is valid UTF-8 (or a well-formed string) without NUL, at most 1024 bytes and not
 *   starting with a backslash is its own key — outboxkit's UUIDs, and every existing receipt of
 *   such an id, are unchanged;
 * - any other id — bytes that are not UTF-8 (`ff`), a NUL (PostgreSQL TEXT cannot hold it), a lone
 *   surrogate, a leading backslash — is `\x` + the hex of its bytes (`\xff`); a string's bytes are
 *   its UTF-8, with a lone surrogate encoded as a UTF-8 encoder would a code point (WTF-8), so
 *   they are never valid UTF-8 and never equal a well-formed string's;
 * - an id whose key would exceed 1024 bytes is `\sha256:` + the hex SHA-256 of its bytes.
 *
 * No two ids can share a key: a key of the first kind never starts with a backslash, keys of the
 * other two always do and differ in their second character, hex is one-to-one, and a SHA-256
 * collision is not a practical concern. Escaping the leading backslash is what makes the first
 * rule safe: a producer whose id is the text `\xff` gets the key `\x5c786666`, not `\xff`.
 */
export function encodeDedupeKey(id: string | Uint8Array): string {
  const bytes = typeof id === 'string' ? wtf8(id) : id;
  const text = typeof id === 'string' ? (hasLoneSurrogate(id) ? undefined : id) : strictUtf8(id);
  if (text !== undefined && bytes.length <= MAX_DEDUPE_KEY_BYTES && !text.startsWith('\\') && !text.includes('\u0000')) return text;
  const hex = `${BYTES_PREFIX}${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
  if (hex.length <= MAX_DEDUPE_KEY_BYTES) return hex;
  return `${DIGEST_PREFIX}${createHash('sha256').update(bytes).digest('hex')}`;
}

/** True when `key` can be stored in the inbox as it is: non-empty, at most 1024 bytes, no NUL, no lone surrogate. */
export function isStorableDedupeKey(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && unstorableCharacter(key) === undefined && Buffer.byteLength(key, 'utf8') <= MAX_DEDUPE_KEY_BYTES;
}

/**
 * A key someone already made (one a caller passes to `Inbox.handle`, one a retry record carried
 * along): kept as it is when storable — it may be an encoded key, which must not be encoded
 * again — and encoded like an id otherwise, so that nothing given can make the receipt's INSERT fail.
 */
export function storableDedupeKey(key: string): string {
  return isStorableDedupeKey(key) ? key : encodeDedupeKey(key);
}

/** The text of `bytes` when they are valid UTF-8, else undefined. */
export function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The UTF-8 bytes of a string, encoding a lone surrogate as its own three bytes (WTF-8) where
 * `Buffer.from` would write U+FFFD and make two different ids one.
 */
function wtf8(text: string): Uint8Array {
  if (!hasLoneSurrogate(text)) return Buffer.from(text, 'utf8');
  const bytes: number[] = [];
  for (const char of text) {
    // for…of yields whole code points; a lone surrogate comes alone.
    const point = char.codePointAt(0)!;
    if (point < 0x80) bytes.push(point);
    else if (point < 0x800) bytes.push(0xc0 | (point >> 6), 0x80 | (point & 0x3f));
    else if (point < 0x10000) bytes.push(0xe0 | (point >> 12), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f));
    else bytes.push(0xf0 | (point >> 18), 0x80 | ((point >> 12) & 0x3f), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f));
  }
  return Uint8Array.from(bytes);
}

function hasLoneSurrogate(text: string): boolean {
  return withoutLoneSurrogates(text) !== text;
}
