import { withoutLoneSurrogates } from './unicode-text.js';

/**
 * What a thrown value says about itself, read without ever throwing. JavaScript can throw
 * anything, and a description must not fail where it is needed most — in the catch block that
 * routes a failed record or logs a failed batch (docs/guarantees.md §4.9):
 *
 * - `undefined`, `null`, a symbol (`${symbol}` throws), a BigInt;
 * - a null-prototype object: `String()` throws on it (it has no `toString`);
 * - an object whose `toString`, `message` or `code` getter throws;
 * - a revoked Proxy: even `instanceof` and `Object.prototype.toString` throw on it.
 */
export interface ThrownFacts {
  /** The error's name (`TypeError`, `KafkaJSProtocolError`), or the kind of value thrown (`undefined`, `symbol`, `object`). */
  name: string;
  /** The error's message, or a rendering of the thrown value. */
  message: string;
  /** A string or numeric `code` (`OUTBOX_…`, `ECONNREFUSED`), when it has one. */
  code?: string;
  /** kafkajs's protocol error type (`MESSAGE_TOO_LARGE`), when it has one. */
  type?: string;
  /** The stack, when it is an Error with one. */
  stack?: string;
}

/** Longest description `describeError` returns, in characters. */
export const MAX_ERROR_DESCRIPTION_CHARS = 1_000;

/** Reads what a thrown value of any kind says about itself; never throws. */
export function thrownFacts(value: unknown): ThrownFacts {
  return inspect(value).facts;
}

/**
 * One line for logs, headers and stored reasons: `Name: message` (kafkajs protocol errors:
 * `TYPE: message`, as the broker names the failure), a thrown string as it is, anything else
 * rendered safely. Never throws; at most `maxChars` characters, with no NUL and no lone
 * surrogate, so a database TEXT column or a Kafka header can always hold it.
 */
export function describeError(value: unknown, maxChars = MAX_ERROR_DESCRIPTION_CHARS): string {
  const { facts, errorLike } = inspect(value);
  return storableText(errorLike ? `${facts.type ?? facts.name}: ${facts.message}` : facts.message, maxChars);
}

/** `errorLike`: the value has a string `message` (an Error, also one from another realm). */
function inspect(value: unknown): { facts: ThrownFacts; errorLike: boolean } {
  try {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      return { facts: { name: safeTypeof(value), message: primitiveText(value) }, errorLike: false };
    }
    const code = read(value, 'code');
    const codeFact = typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {};
    const message = read(value, 'message');
    if (typeof message !== 'string') return { facts: { name: typeof value, message: objectText(value), ...codeFact }, errorLike: false };
    const name = read(value, 'name');
    const type = read(value, 'type');
    const stack = read(value, 'stack');
    const facts: ThrownFacts = {
      name: typeof name === 'string' && name.length > 0 ? name : 'Error',
      message,
      ...codeFact,
      ...(typeof type === 'string' ? { type } : {}),
      ...(typeof stack === 'string' ? { stack } : {}),
    };
    return { facts, errorLike: true };
  } catch {
    return { facts: { name: safeTypeof(value), message: `[unprintable ${safeTypeof(value)}]` }, errorLike: false };
  }
}

/** `value` itself when it is an Error, else an Error whose message describes it (and whose cause is it). */
export function asError(value: unknown): Error {
  try {
    if (value instanceof Error) return value;
  } catch {
    // a revoked Proxy: instanceof throws
  }
  return new Error(describeError(value), { cause: value });
}

/** NUL spelled out, cut to `maxChars`, lone surrogates (also one left by the cut) replaced. */
export function storableText(text: string, maxChars: number): string {
  let result = text.replaceAll('\u0000', '\\0');
  if (result.length > maxChars) result = `${result.slice(0, Math.max(0, maxChars - 1))}…`;
  return withoutLoneSurrogates(result);
}

function primitiveText(value: unknown): string {
  if (typeof value === 'string') return value;
  // String() renders undefined, null, numbers, booleans, BigInts and symbols (`Symbol(x)`).
  return String(value);
}

/** An object without a string message: its own `toString()`, else its JSON (a null-prototype object has one), else its tag. */
function objectText(value: object): string {
  try {
    const text = String(value);
    if (text !== '[object Object]') return text;
  } catch {
    // no toString (a null prototype), or one that throws
  }
  try {
    const json = JSON.stringify(value);
    if (typeof json === 'string') return json;
  } catch {
    // a cycle, a BigInt, a throwing getter, a revoked Proxy
  }
  try {
    return Object.prototype.toString.call(value);
  } catch {
    return `[unprintable ${safeTypeof(value)}]`;
  }
}

function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function safeTypeof(value: unknown): string {
  return value === null ? 'null' : typeof value;
}
