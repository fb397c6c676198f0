import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidConfigError } from '../../errors.js';

/** Header carrying the request's signature: `v1=<hex HMAC-SHA256>`. */
export const CHECK_SIGNATURE_HEADER = 'x-outboxkit-signature';
/** Header carrying the time the request was signed, ms since the epoch; part of what is signed. */
export const CHECK_TIMESTAMP_HEADER = 'x-outboxkit-timestamp';
/**
 * How far a request's timestamp may be from the receiver's clock: the replay window. Default 5
 * minutes; the check endpoint takes a shorter one (`toleranceMs`) and refuses a request it has
 * already accepted inside the window (check-replay-guard.ts).
 */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 300_000;
/** The shortest checker secret taken: an HMAC key guessable by brute force protects nothing. */
export const MIN_CHECKER_SECRET_LENGTH = 16;

/**
 * Requests from the relay to the application's checker endpoint are signed with the shared secret
 * rather than carrying it: HMAC-SHA256 over `<timestamp>.<body>`. The secret never crosses the
 * wire, a captured request cannot be replayed outside the tolerance window or with another body
 * (nor, at the endpoint, inside it: each signed request is accepted once), and the receiver
 * compares in constant time.
 */
export function signCheckRequest(secret: string, body: string, timestampMs: number = Date.now()): { timestamp: string; signature: string } {
  assertSecret(secret);
  const timestamp = String(Math.trunc(timestampMs));
  return { timestamp, signature: `v1=${digest(secret, timestamp, body)}` };
}

export interface VerifyOptions {
  toleranceMs?: number;
  /** The receiver's clock, ms since the epoch. Default Date.now(). */
  now?: number;
}

/**
 * What a request's signature headers say:
 * - `missing`: a header is absent;
 * - `invalid`: not the secret's signature of this body at this timestamp (or a malformed timestamp);
 * - `stale`: a genuine signature, but the timestamp is outside the window — reported apart, because
 *   it means "the clocks differ" rather than "the secrets differ", and only a holder of the secret
 *   can make one;
 * - `valid`.
 */
export type SignatureVerdict = 'valid' | 'missing' | 'invalid' | 'stale';

export function checkSignature(
  secret: string,
  body: string,
  timestamp: string | undefined,
  signature: string | undefined,
  options: VerifyOptions = {},
): SignatureVerdict {
  if (typeof timestamp !== 'string' || typeof signature !== 'string' || timestamp === '' || signature === '') return 'missing';
  if (!/^\d{1,16}$/.test(timestamp)) return 'invalid';
  if (!constantTimeEqual(`v1=${digest(secret, timestamp, body)}`, signature)) return 'invalid';
  const tolerance = options.toleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS;
  return Math.abs((options.now ?? Date.now()) - Number(timestamp)) > tolerance ? 'stale' : 'valid';
}

/** True when `signature` is the secret's signature of `body` at `timestamp`, and the timestamp is fresh. */
export function verifyCheckSignature(
  secret: string,
  body: string,
  timestamp: string | undefined,
  signature: string | undefined,
  options: VerifyOptions = {},
): boolean {
  return checkSignature(secret, body, timestamp, signature, options) === 'valid';
}

/** Compares two strings without revealing, through timing, where they first differ. */
export function constantTimeEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  if (a.length !== b.length) {
    // Still spend the time of a comparison, so the length is all a mismatch reveals.
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

/**
 * What is wrong with `secret` as the checker secret, or undefined when it will do: the rule and
 * how to make one, never the secret itself (nor its length, which narrows a guess).
 */
export function checkerSecretProblem(secret: unknown): string | undefined {
  if (typeof secret === 'string' && secret.length >= MIN_CHECKER_SECRET_LENGTH) return undefined;
  const what = typeof secret !== 'string' ? 'is not a string' : secret === '' ? 'is empty' : `is shorter than ${MIN_CHECKER_SECRET_LENGTH} characters`;
  return (
    `${what}: it must be at least ${MIN_CHECKER_SECRET_LENGTH} characters, the same string in the relay (OUTBOX_CHECKER_SECRET) and ` +
    'in the application\'s checker endpoint (compared exactly, spaces and newlines included). Make one with ' +
    '`openssl rand -hex 32` or `node -e "console.log(require(\'node:crypto\').randomBytes(32).toString(\'hex\'))"`'
  );
}

export function assertSecret(secret: unknown): asserts secret is string {
  const problem = checkerSecretProblem(secret);
  if (problem) throw new InvalidConfigError('checker secret', problem);
}

function digest(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}
