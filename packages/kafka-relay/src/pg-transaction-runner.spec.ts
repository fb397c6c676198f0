import { EventEmitter } from 'node:events';
import { DatabaseTimeoutError, InvalidConfigError } from '@outboxkit/core';
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { explainPgError } from './pg-connection.js';
import { beginStatement, pgTransactionRunner } from './pg-transaction-runner.js';

describe('beginStatement', () => {
  it('opens the transaction and sets its local settings in one simple-protocol query', () => {
    expect(beginStatement()).toBe('BEGIN');
    expect(beginStatement({ lock_timeout: '10000ms', jit: 'off', synchronous_commit: 'off' })).toBe(
      "BEGIN; SET LOCAL lock_timeout = '10000ms'; SET LOCAL jit = 'off'; SET LOCAL synchronous_commit = 'off'",
    );
  });

  it('refuses names and values that are not plain words (they are sent as literals)', () => {
    expect(() => beginStatement({ lock_timeout: "1s'; DROP TABLE outbox_message; --" })).toThrow(InvalidConfigError);
    expect(() => beginStatement({ 'jit = on; SELECT 1; --': 'off' })).toThrow(InvalidConfigError);
    expect(() => beginStatement({ search_path: '' })).toThrow(InvalidConfigError);
  });
});

describe('pgTransactionRunner', () => {
  /** A checked-out client whose connection the server ends between two statements. */
  function fakePool() {
    const client = Object.assign(new EventEmitter(), {
      queries: [] as string[],
      released: undefined as unknown,
      dead: false,
      async query(text: string) {
        this.queries.push(text);
        if (this.dead) throw new Error('Client has encountered a connection error and is not queryable');
        return { rows: [], rowCount: 0 };
      },
      release(destroy?: unknown) {
        this.released = destroy;
      },
    });
    return { client, pool: { connect: async () => client } as unknown as Pool };
  }

  it('sends BEGIN with the settings in one query, then the work and COMMIT', async () => {
    const { client, pool } = fakePool();
    await pgTransactionRunner(pool).transaction(async (executor) => executor.query({ text: 'SELECT 1', values: [] }), {
      settings: { jit: 'off' },
    });
    expect(client.queries).toEqual(["BEGIN; SET LOCAL jit = 'off'", 'SELECT 1', 'COMMIT']);
    expect(client.released).toBe(false);
    expect(client.listenerCount('error')).toBe(0);
  });

  it('survives the connection ending while the transaction waits: the batch fails, the client is discarded', async () => {
    const { client, pool } = fakePool();
    const work = pgTransactionRunner(pool).transaction(async (executor) => {
      // The server terminates the connection while the batch waits for Kafka. Without a
      // listener this 'error' would be thrown out of emit() (a crash in a real process).
      client.dead = true;
      client.emit('error', new Error('terminating connection due to administrator command'));
      return executor.execute({ text: 'UPDATE …', values: [] });
    });
    await expect(work).rejects.toThrow('not queryable');
    expect(client.released).toBe(true);
    expect(client.listenerCount('error')).toBe(0);
  });

  it('a statement the server never answers: the typed timeout, no ROLLBACK queued behind it, the client discarded', async () => {
    const { client, pool } = fakePool();
    const explain = (error: unknown) => explainPgError(error, { connectionString: 'postgres://u:p@db:5432/app', connectTimeoutMs: 1, queryTimeoutMs: 4_000 });
    const work = pgTransactionRunner(pool, explain).transaction(async (executor) => {
      client.query = async function (text: string) {
        this.queries.push(text);
        throw new Error('Query read timeout');
      };
      return executor.query({ text: 'SELECT claim', values: [] });
    });
    await expect(work).rejects.toBeInstanceOf(DatabaseTimeoutError);
    await expect(work).rejects.toMatchObject({ phase: 'query', server: 'db:5432/app' });
    expect(client.queries).toEqual(['BEGIN', 'SELECT claim']);
    expect(client.released).toBe(true);
  });

  it('a pool that cannot connect in time: the typed timeout naming the server', async () => {
    const pool = { connect: async () => Promise.reject(new Error('timeout exceeded when trying to connect')) } as unknown as Pool;
    const explain = (error: unknown) => explainPgError(error, { connectionString: 'postgres://u:p@db:5432/app', connectTimeoutMs: 1_500, queryTimeoutMs: 4_000 });
    await expect(pgTransactionRunner(pool, explain).transaction(async () => 1)).rejects.toMatchObject({
      code: 'OUTBOX_DATABASE_TIMEOUT',
      phase: 'connect',
      message: expect.stringContaining('PostgreSQL at db:5432/app did not accept a connection within 1500 ms'),
    });
  });
});
