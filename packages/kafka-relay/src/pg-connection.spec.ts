import { DatabaseTimeoutError } from '@outboxkit/core';
import { describe, expect, it } from 'vitest';
import { databaseServer, explainPgError, leftUnanswered, pgClientConfig } from './pg-connection.js';

const settings = { connectionString: 'postgres://relay:s3cret@db.internal:6543/orders', connectTimeoutMs: 2_000, queryTimeoutMs: 30_000 };

describe('databaseServer', () => {
  it('names host:port/database and never the credentials', () => {
    expect(databaseServer(settings.connectionString)).toBe('db.internal:6543/orders');
    expect(databaseServer('postgresql://u:p@10.0.0.5/app')).toBe('10.0.0.5:5432/app');
    expect(databaseServer('postgres:///app?host=/var/run/postgresql')).toBe('/var/run/postgresql:5432/app');
    expect(databaseServer('host=db password=s3cret')).not.toContain('s3cret');
  });
});

describe('pgClientConfig', () => {
  it('sets both timeouts, keepalive and the session settings', () => {
    const config = pgClientConfig({ ...settings, applicationName: 'outbox-relay x', sessionSettings: { idle_in_transaction_session_timeout: 10_000 } });
    expect(config).toMatchObject({
      connectionTimeoutMillis: 2_000,
      query_timeout: 30_000,
      keepAlive: true,
      application_name: 'outbox-relay x',
      options: '-c statement_timeout=30000 -c idle_in_transaction_session_timeout=10000',
    });
  });
});

describe('explainPgError', () => {
  it.each([
    ['timeout expired', 'connect', 2_000],
    ['Connection terminated due to connection timeout', 'connect', 2_000],
    ['timeout exceeded when trying to connect', 'connect', 2_000],
    ['Query read timeout', 'query', 30_000],
  ] as const)('"%s" becomes a DatabaseTimeoutError (%s) naming the server', (message, phase, timeoutMs) => {
    const cause = new Error(message);
    const error = explainPgError(cause, settings);
    expect(error).toBeInstanceOf(DatabaseTimeoutError);
    expect(error).toMatchObject({ code: 'OUTBOX_DATABASE_TIMEOUT', phase, timeoutMs, server: 'db.internal:6543/orders', cause });
    expect((error as Error).message).toContain(`PostgreSQL at db.internal:6543/orders did not`);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('a statement_timeout cancel is a query timeout; an operator cancel, other errors and non-errors pass unchanged', () => {
    const statementTimeout = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    expect(explainPgError(statementTimeout, settings)).toMatchObject({ phase: 'query' });
    const operatorCancel = Object.assign(new Error('canceling statement due to user request'), { code: '57014' });
    expect(explainPgError(operatorCancel, settings)).toBe(operatorCancel);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(explainPgError(refused, settings)).toBe(refused);
    expect(explainPgError('text', settings)).toBe('text');
  });

  it('leftUnanswered: only a statement pg stopped waiting for', () => {
    expect(leftUnanswered(explainPgError(new Error('Query read timeout'), settings))).toBe(true);
    expect(leftUnanswered(new Error('Query read timeout'))).toBe(true);
    expect(leftUnanswered(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))).toBe(false);
  });
});
