import { DatabaseTimeoutError } from '@outboxkit/core';
import type pg from 'pg';

/**
 * How the relay's pools and clients connect to PostgreSQL, with the timeouts that keep a silent
 * server from hanging the relay (docs/guarantees.md §4.9): a port that accepts connections and
 * never answers would otherwise leave `pool.connect()` and every statement waiting forever.
 */
export interface PgConnectionSettings {
  connectionString: string;
  applicationName: string;
  /** Longest wait for a new connection (TCP, TLS, authentication), ms. */
  connectTimeoutMs: number;
  /** Longest a statement may run on the server, or go unanswered, ms. */
  queryTimeoutMs: number;
  /** Server settings for the session, sent at connection start (`-c name=value`). */
  sessionSettings?: Readonly<Record<string, string | number>>;
}

/**
 * pg's client options for these settings. The query timeout is set twice: as the server's
 * `statement_timeout`, which cancels a slow statement and frees its locks, and as pg's own
 * `query_timeout`, which gives up on a server that does not answer at all (no cancel can reach
 * it); the connection is then discarded by the executor that ran the statement.
 */
export function pgClientConfig(settings: PgConnectionSettings): pg.ClientConfig {
  const session = { statement_timeout: settings.queryTimeoutMs, ...settings.sessionSettings };
  return {
    connectionString: settings.connectionString,
    application_name: settings.applicationName,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    query_timeout: settings.queryTimeoutMs,
    keepAlive: true,
    options: Object.entries(session)
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(' '),
  };
}

/** host:port/database of a connection string, without user or password: safe for logs and errors. */
export function databaseServer(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const host = url.hostname || url.searchParams.get('host') || 'localhost';
    return `${host}:${url.port || '5432'}${url.pathname.length > 1 ? url.pathname : ''}`;
  } catch {
    // Not a URL (a keyword/value string, say): name nothing rather than risk printing a password.
    return 'the server of DATABASE_URL';
  }
}

/** What pg says when a connection or a statement ran out of time (pg 8, pg-pool 3). */
const CONNECT_TIMEOUT_MESSAGES = new Set([
  'timeout expired', // pg.Client: connectionTimeoutMillis
  'Connection terminated due to connection timeout', // pg.Pool: a new client's connect
  'timeout exceeded when trying to connect', // pg.Pool: waiting for a free client
]);
const QUERY_TIMEOUT_MESSAGE = 'Query read timeout';
const STATEMENT_TIMEOUT_SQLSTATE = '57014'; // query_canceled, as statement_timeout reports it

/**
 * The typed error for a timeout of pg's (naming the server, never the credentials); any other
 * error unchanged. A cancel by `statement_timeout` is a timeout only when it says so: an
 * operator's `pg_cancel_backend` has the same SQLSTATE and a different message.
 */
export function explainPgError(error: unknown, settings: Pick<PgConnectionSettings, 'connectionString' | 'connectTimeoutMs' | 'queryTimeoutMs'>): unknown {
  if (!(error instanceof Error)) return error;
  const { code } = error as { code?: unknown };
  const server = databaseServer(settings.connectionString);
  if (CONNECT_TIMEOUT_MESSAGES.has(error.message)) return new DatabaseTimeoutError(server, 'connect', settings.connectTimeoutMs, { cause: error });
  if (error.message === QUERY_TIMEOUT_MESSAGE || (code === STATEMENT_TIMEOUT_SQLSTATE && /statement timeout/.test(error.message))) {
    return new DatabaseTimeoutError(server, 'query', settings.queryTimeoutMs, { cause: error });
  }
  return error;
}

/** True when pg gave up waiting for the server's answer (the connection is stuck behind that statement). */
export function leftUnanswered(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth += 1) {
    if (e.message === QUERY_TIMEOUT_MESSAGE) return true;
  }
  return false;
}
