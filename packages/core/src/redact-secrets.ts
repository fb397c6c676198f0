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
  return { message: redactSecrets(safeString(error)) };
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

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    try {
      return String(value);
    } catch {
      return `[unprintable ${typeof value}]`;
    }
  }
}
