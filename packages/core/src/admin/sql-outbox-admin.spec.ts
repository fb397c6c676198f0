import { describe, expect, it } from 'vitest';
import { InvalidConfigError, InvalidMessageIdError } from '../errors.js';
import type { SqlExecutor, SqlStatement } from '../ports.js';
import { deadMessageFromRow, notRetried } from './dead-message-actions.js';
import { halfMessageFromRow } from './half-message-actions.js';
import { outboxStatsFromRows } from './outbox-stats.js';
import { sqlOutboxAdmin } from './sql-outbox-admin.js';

const A = '0190a6f2-0000-7000-8000-00000000000a';
const B = '0190a6f2-0000-7000-8000-00000000000b';

/** An executor that records every statement and answers from `answer` (by the statement's first word). */
function recordingExecutor(answer: (statement: SqlStatement) => unknown[] = () => []) {
  const statements: SqlStatement[] = [];
  let failNotify = false;
  const executor: SqlExecutor = {
    async query<Row>(statement: SqlStatement) {
      statements.push(statement);
      return answer(statement) as Row[];
    },
    async execute(statement: SqlStatement) {
      statements.push(statement);
      if (failNotify && statement.text.includes('pg_notify')) throw new Error('connection lost');
      return 0;
    },
  };
  return { executor, statements, failNotifies: () => (failNotify = true) };
}

const nudges = (statements: SqlStatement[]) => statements.filter((s) => s.text.includes('pg_notify'));

describe('the admin maps rows to camelCase values', () => {
  it('a DEAD row: dates from Date or text, the last error as lastError', () => {
    const message = deadMessageFromRow({
        id: A,
        seq: '42',
        topic: 'orders',
        key: null,
        type: 'created',
        attempts: 3,
        last_error: 'MESSAGE_TOO_LARGE',
        size_bytes: 50_012,
        created_at: '2026-01-02T03:04:05.000Z',
        parked_at: new Date('2026-01-02T03:04:06.000Z'),
      });
    expect(Object.keys(message).sort()).toEqual(['attempts', 'createdAt', 'id', 'key', 'lastError', 'parkedAt', 'seq', 'sizeBytes', 'topic', 'type']);
    expect(message).toEqual(
      expect.objectContaining({
        lastError: 'MESSAGE_TOO_LARGE',
        sizeBytes: 50_012,
        createdAt: new Date('2026-01-02T03:04:05.000Z'),
        parkedAt: new Date('2026-01-02T03:04:06.000Z'),
      }),
    );
  });

  it('a half row: parked from parked_at, the count and the age as numbers', () => {
    const summary = halfMessageFromRow({
      id: A,
      topic: 'payments',
      key: 'k',
      producer_group: 'g',
      transaction_id: null,
      check_count: '5' as unknown as number,
      marker_check: false,
      parked_at: '2026-01-02T03:04:05.000Z',
      next_check_at: null,
      last_error: 'parked after 5 of 5 checks',
      created_at: new Date('2026-01-02T03:00:00.000Z'),
      age_ms: 1234.6,
    });
    expect(summary).toMatchObject({ checkCount: 5, parked: true, parkedAt: new Date('2026-01-02T03:04:05.000Z'), nextCheckAt: null, ageMs: 1235 });
  });

  it('stats: every status counted (0 when absent), the parked HALF rows, the oldest READY age in ms', () => {
    const stats = outboxStatsFromRows(
      [
        { status: 'READY', count: 4, parked: 0 },
        { status: 'HALF', count: 3, parked: 2 },
        { status: 'DEAD', count: 1, parked: 1 },
      ],
      { oldest_pending_age_seconds: 1.2345 } as never,
    );
    expect(stats).toEqual({ counts: { HALF: 3, READY: 4, PUBLISHED: 0, ROLLED_BACK: 0, DEAD: 1 }, oldestReadyAgeMs: 1235, parkedHalf: 2 });
    expect(outboxStatsFromRows([], { oldest_pending_age_seconds: null } as never)).toMatchObject({ oldestReadyAgeMs: null, parkedHalf: 0 });
  });

  it('a retry reports the ids the database did not move, whatever their case', () => {
    expect(notRetried([A.toUpperCase(), B], [A])).toEqual([B]);
  });
});

describe('the admin over a SqlExecutor', () => {
  it('refuses ids that are not UUIDs, and no ids, before any statement', async () => {
    const { executor, statements } = recordingExecutor();
    const admin = sqlOutboxAdmin(executor);
    await expect(admin.dead.retry(['not-a-uuid'])).rejects.toBeInstanceOf(InvalidMessageIdError);
    await expect(admin.half.commit([A, "1'; DROP TABLE x; --"])).rejects.toBeInstanceOf(InvalidMessageIdError);
    await expect(admin.half.resume([])).rejects.toBeInstanceOf(InvalidConfigError);
    await expect(admin.dead.list({ limit: 0 })).rejects.toThrow(/limit: must be a positive integer/);
    expect(statements).toEqual([]);
  });

  it('nudges the relays on its channel after a retry moved rows, not after one that moved none', async () => {
    const { executor, statements } = recordingExecutor((s) => (s.text.startsWith('UPDATE') && s.values[0] !== null ? [{ id: A }] : []));
    const admin = sqlOutboxAdmin(executor, { channel: 'ops_channel', tables: { schema: 'shop' } });
    expect(await admin.dead.retry([A, B])).toEqual({ retried: [A], notDead: [B] });
    expect(statements[0]!.text).toContain('UPDATE "shop"."outbox_message"');
    expect(nudges(statements).map((s) => s.values)).toEqual([['ops_channel', 'messages']]);
    expect(await admin.dead.retryAll()).toEqual({ retried: [] });
    expect(nudges(statements)).toHaveLength(1);
  });

  it('a failed nudge does not fail the retry: the rows are READY, the relays find them on their next poll', async () => {
    const { executor, failNotifies } = recordingExecutor((s) => (s.text.startsWith('UPDATE') ? [{ id: A }] : []));
    failNotifies();
    expect(await sqlOutboxAdmin(executor).dead.retry([A])).toEqual({ retried: [A], notDead: [] });
  });

  it('a commit refused as already decided reports the status and nudges nothing', async () => {
    const { executor, statements } = recordingExecutor((s) => (s.text.startsWith('SELECT status') ? [{ status: 'ROLLED_BACK' }] : []));
    expect(await sqlOutboxAdmin(executor).half.commit([A])).toEqual([{ id: A, ok: false, status: 'ROLLED_BACK' }]);
    expect(nudges(statements)).toEqual([]);
  });
});
