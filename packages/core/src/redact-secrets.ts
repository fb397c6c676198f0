import { thrownFacts } from './describe-error.js';

/**
 * Masks the secrets that error texts tend to carry — the password of a connection URL, a
 * `password=` / `token=` / `api_key=` parameter, an `Authorization` credential — before the text
 * goes to a log. Best effort on free text: it keeps what helps to investigate (host, path, user)
 * and drops what must never be written down. No secrets in logs or errors (docs/guarantees.md §4.7).
 */
export function redactSecrets(text: string): string {
  return text
    .replace(URL_PASSWORD, (_match, prefix: string) => `${prefix}${MASK}@`)
    .replace(SECRET_PARAMETER, (_match, name: string, separator: string, quote: string) => `${name}${separator}${quote}${MASK}`)
    .replace(AUTH_SCHEME, (_match, scheme: string) => `${scheme} ${MASK}`);
}

/** What a log may hold of a thrown value: its name, code and message (and stack, cause), redacted. */
export interface RedactedError {
  name?: string;
  code?: string;
  message: string;
  stack?: string;
  cause?: RedactedError;
}

/** `redactSecrets` over a thrown value of any kind, without ever throwing itself. */
export function redactError(error: unknown, depth = 0): RedactedError {
  try {
    return redactThrown(error, depth);
  } catch {
    // instanceof or a getter threw (a revoked Proxy, a hostile object): only what can be read safely.
    return { message: redactSecrets(thrownFacts(error).message) };
  }
}

function redactThrown(error: unknown, depth: number): RedactedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const cause = (error as { cause?: unknown }).cause;
    return {
      name: error.name,
      ...(typeof code === 'string' ? { code } : {}),
      message: redactSecrets(error.message),
      ...(typeof error.stack === 'string' ? { stack: redactSecrets(error.stack) } : {}),
      ...(cause !== undefined && depth < MAX_CAUSE_DEPTH ? { cause: redactError(cause, depth + 1) } : {}),
    };
  }
  return { message: redactSecrets(thrownFacts(error).message) };
}

const MASK = '***';
const MAX_CAUSE_DEPTH = 3;
/** `scheme://user:password@` — the password part. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)[^\s/?#@]*@/gi;
/** `password=…`, `db_pass: …`, `"apiKey":"…"`, `client_secret=…` (query strings, DSNs, JSON). */
const SECRET_PARAMETER =
  /(\b[\w-]*(?:pass(?:wd|word)?|pwd|secret|token|api[-_]?key|access[-_]?key|credentials?)[\w-]*"?)(\s*[=:]\s*)("?)[^\s&"',;)}\]]+/gi;
/** `Bearer …`, `Basic …` credentials. */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
