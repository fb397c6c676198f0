import { describeError } from './describe-error.js';
/** The minimal logger outboxkit writes to. pino, winston and console all fit it with a line of glue. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** One JSON object per line on stderr: readable by people and by log shippers. */
export function createConsoleLogger(level: LogLevel = 'warn', base: Record<string, unknown> = {}): Logger {
  const write = (at: Exclude<LogLevel, 'silent'>) => (message: string, fields?: Record<string, unknown>) => {
    if (ORDER[at] < ORDER[level]) return;
    process.stderr.write(`${logLine({ level: at, time: new Date().toISOString(), msg: message, ...base }, fields)}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The JSON line of one entry. Logging must never throw — it runs in catch blocks and loops that
 * must go on — so fields JSON cannot hold (a cycle, a throwing getter or toJSON) give the line
 * without them and a note of why, instead of an exception in the caller.
 */
export function logLine(head: Record<string, unknown>, fields: Record<string, unknown> = {}): string {
  try {
    return JSON.stringify({ ...head, ...fields }, errorReplacer);
  } catch (error) {
    return JSON.stringify({ ...head, unloggableFields: describeError(error) }, errorReplacer);
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}
