import { UNSTORABLE_CHARACTER_NAMES, unstorableCharacter, type UnstorableCharacter } from './unicode-text.js';

/**
 * What JSONB cannot take of a JSON text that JSON.stringify produced. JSON.stringify writes a
 * NUL as `\u0000` and a lone surrogate as its `\udXXX` escape (well-formed stringify, ES2019);
 * JSONB refuses both ("unsupported Unicode escape sequence", "Unicode low surrogate must follow a
 * high surrogate"), which would fail the whole business transaction at commit. And its parser is
 * recursive: nesting beyond what `max_stack_depth` allows ("stack depth limit exceeded", a few
 * hundred levels at the smallest setting) fails too.
 */

/** Deepest nesting of arrays and objects `send` accepts in a JSON value. */
export const MAX_JSON_DEPTH = 500;

/**
 * An escape preceded by an even number of backslashes (so it is an escape, not an escaped
 * backslash followed by "u0000"). JSON.stringify writes these escapes in lower case.
 */
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(0000|d[89a-f][0-9a-f]{2})/;

/** Why `json` (JSON.stringify output) cannot be stored as JSONB, or undefined when it can. */
export function checkStorableJson(json: string): string | undefined {
  if (UNSTORABLE_ESCAPE.test(json)) return describeUnstorableString(json);
  // Nesting N levels takes at least 2N characters: shorter texts need no scan.
  if (json.length > 2 * MAX_JSON_DEPTH) {
    const depth = nestingDepth(json);
    if (depth > MAX_JSON_DEPTH) {
      return `is nested ${depth} levels deep, above the limit of ${MAX_JSON_DEPTH} (PostgreSQL's JSONB parser refuses deep nesting): flatten it, or send raw bytes (a Uint8Array)`;
    }
  }
  return undefined;
}

/** Names where the unstorable string is: the slow path, taken only for a value that is refused. */
function describeUnstorableString(json: string): string {
  const found = findUnstorable(JSON.parse(json) as unknown, 'value');
  const what = UNSTORABLE_CHARACTER_NAMES[found?.problem ?? 'nul'];
  const where = found ? `${found.isKey ? 'an object key at' : 'the string at'} ${found.path}` : 'a string';
  return `has ${where} that contains ${what}, which PostgreSQL's JSONB cannot store: remove it, or send raw bytes (a Uint8Array)`;
}

interface Found {
  path: string;
  isKey: boolean;
  problem: UnstorableCharacter;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function findUnstorable(value: unknown, path: string): Found | undefined {
  if (typeof value === 'string') {
    const problem = unstorableCharacter(value);
    return problem ? { path, isKey: false, problem } : undefined;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorable(item, `${path}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyPath = IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`;
      const keyProblem = unstorableCharacter(key);
      if (keyProblem) return { path: keyPath, isKey: true, problem: keyProblem };
      const found = findUnstorable(item, keyPath);
      if (found) return found;
    }
  }
  return undefined;
}

/** Deepest nesting of `[` and `{` outside strings. */
function nestingDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i += 1) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth -= 1;
    }
  }
  return deepest;
}
