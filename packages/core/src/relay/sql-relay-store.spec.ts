import { describe, expect, it } from 'vitest';
import { InvalidConfigError, LeaseLostError, PublishTimeoutError } from '../errors.js';
import type { SqlExecutor, SqlStatement } from '../ports.js';
import type { SqlTransactionOptions } from './sql-transaction-runner.js';
import type { ClaimedRow } from '../sql/claim-ready-batch.js';
import type { BatchLease } from './partition-leases.js';
import { SqlRelayStore } from './sql-relay-store.js';

function row(id: string, key: string | null): ClaimedRow {
  return {
    id, seq: id, topic: 't', key, payload_json: '{}', payload_bytes: null, type: null,
    headers_json: '{}', producer_group: null, created_at: new Date(0), attempts: 0,
  };
}

/** A transaction runner whose executor answers the claim with `rows` and acks with `acked(n)`. */
function fakeRunner(rows: ClaimedRow[], acked: (statement: SqlStatement, n: number) => number = (_s, n) => n) {
  const log: SqlStatement[] = [];
  let outcome: 'commit' | 'rollback' | undefined;
  let options: SqlTransactionOptions | undefined;
  const executor: SqlExecutor = {
    async query<R>(statement: SqlStatement) {
      log.push(statement);
      return (statement.text.includes('FOR UPDATE OF o') ? rows : []) as R[];
    },
    async execute(statement: SqlStatement) {
      log.push(statement);
      return acked(statement, (statement.values[0] as unknown[]).length);
    },
  };
  return {
    log,
    outcome: () => outcome,
    options: () => options,
    runner: {
      async transaction<T>(work: (e: SqlExecutor) => Promise<T>, transactionOptions?: SqlTransactionOptions): Promise<T> {
        options = transactionOptions;
        try {
          const result = await work(executor);
          outcome = 'commit';
          return result;
        } catch (error) {
          outcome = 'rollback';
          throw error;
        }
      },
    },
  };
}

const lease = (validUntil: number): BatchLease => ({
  fence: { leaseTable: '"l"', instanceId: 'i', partitionCount: 4, partitions: [0, 1, 2, 3], tokens: ['1', '1', '1', '1'] },
  validUntil,
});

describe('SqlRelayStore', () => {
  it('publishes, acknowledges published and dead rows with the fence, and counts held ones', async () => {
    const fake = fakeRunner([row('a', 'k'), row('b', 'k'), row('c', 'j')]);
    const store = new SqlRelayStore({ runner: fake.runner, outboxTable: '"o"', now: () => 0, safetyMarginMs: 10 });
    let hold: boolean | undefined;
    const result = await store.processBatch(10, lease(1_000), async (batch, options) => {
      hold = options.holdKeysAfterPoison;
      expect(batch.map((m) => m.id)).toEqual(['a', 'b', 'c']);
      return [
        { id: 'a', ok: false, permanent: true, error: 'too large' },
        { id: 'b', ok: false, permanent: false, held: true, error: 'held' },
        { id: 'c', ok: true },
      ];
    });
    expect(hold).toBe(true);
    expect(result).toEqual({ claimed: 3, published: 1, dead: [{ id: 'a', error: 'too large' }], held: 1, unsettled: [] });
    const acks = fake.log.filter((s) => s.text.startsWith('WITH held'));
    expect(acks).toHaveLength(2);
    expect(acks[0]!.text).toContain("SET status = 'PUBLISHED'");
    expect(acks[1]!.text).toContain("SET status = 'DEAD'");
    expect(fake.outcome()).toBe('commit');
  });

  it('hands the runner its transaction-local settings (applied with BEGIN) and claims in the first statement', async () => {
    const fake = fakeRunner([row('a', 'k')]);
    const store = new SqlRelayStore({ runner: fake.runner, outboxTable: '"o"', lockTimeoutMs: 3_000, now: () => 0 });
    await store.processBatch(10, lease(60_000), async () => [{ id: 'a', ok: true }]);
    expect(fake.options()?.settings).toEqual({
      lock_timeout: '3000ms',
      jit: 'off',
      enable_bitmapscan: 'off',
      synchronous_commit: 'off',
    });
    expect(fake.log[0]!.text).toContain('FOR UPDATE OF o');
    expect(fake.log).toHaveLength(2);
  });

  it('refuses a lock timeout that is not a positive integer (it becomes a literal setting)', () => {
    const fake = fakeRunner([]);
    expect(() => new SqlRelayStore({ runner: fake.runner, outboxTable: '"o"', lockTimeoutMs: 1.5 })).toThrow(InvalidConfigError);
  });

  it('rolls the batch back when the acknowledgement finds a lease lost', async () => {
    const fake = fakeRunner([row('a', 'k'), row('b', 'j')], () => 1);
    const store = new SqlRelayStore({ runner: fake.runner, outboxTable: '"o"', now: () => 0 });
    await expect(
      store.processBatch(10, lease(60_000), async (batch) => batch.map((m) => ({ id: m.id, ok: true as const }))),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(fake.outcome()).toBe('rollback');
  });

  it('does not publish when the leases are about to run out', async () => {
    const fake = fakeRunner([row('a', 'k')]);
    const store = new SqlRelayStore({ runner: fake.runner, outboxTable: '"o"', now: () => 950, safetyMarginMs: 100 });
    let published = false;
    const result = await store.processBatch(10, lease(1_000), async () => {
      published = true;
      return [];
    });
    expect(published).toBe(false);
    expect(result.claimed).toBe(0);
    expect(fake.outcome()).toBe('rollback');
  });

  it('cuts publishing off at the time left on the leases, and tells the publisher to send nothing more', async () => {
    const fake = fakeRunner([row('a', 'k')]);
    const store = new SqlRelayStore({ runner: fake.runner, outboxTable: '"o"', now: () => 0, safetyMarginMs: 0, deadKeyPolicy: 'pass' });
    let signal: AbortSignal | undefined;
    await expect(
      store.processBatch(10, lease(30), (_batch, options) => {
        expect(options.holdKeysAfterPoison).toBe(false);
        signal = options.signal;
        return new Promise(() => undefined);
      }),
    ).rejects.toBeInstanceOf(PublishTimeoutError);
    expect(fake.outcome()).toBe('rollback');
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(PublishTimeoutError);
  });

  it('uses DELETE to acknowledge with retention "delete"', async () => {
    const fake = fakeRunner([row('a', null)]);
    const store = new SqlRelayStore({ runner: fake.runner, outboxTable: '"o"', retention: 'delete', now: () => 0 });
    await store.processBatch(10, lease(60_000), async () => [{ id: 'a', ok: true }]);
    expect(fake.log.some((s) => s.text.includes('DELETE FROM "o"'))).toBe(true);
  });
});

describe('SqlRelayStore when the acknowledgement cannot be written', () => {
  const ids = (statement: SqlStatement) => statement.values[0] as string[];
  const isDead = (statement: SqlStatement) => statement.text.includes("SET status = 'DEAD'");
  const isPublished = (statement: SqlStatement) => statement.text.includes("SET status = 'PUBLISHED'");
  const allOk = async (batch: readonly { id: string }[]) => batch.map((m) => ({ id: m.id, ok: true as const }));

  it('records the outcome row by row, each in its own transaction, and parks the row that refuses it', async () => {
    const transactions: string[][] = [];
    const fake = fakeRunner([row('a', 'k'), row('b', 'j'), row('c', 'i')], (statement, n) => {
      transactions.push(ids(statement));
      // Row b refuses PUBLISHED (a trigger, say); a batch statement containing it fails with it.
      if (isPublished(statement) && ids(statement).includes('b')) throw new Error('b refuses PUBLISHED');
      return n;
    });
    const store = new SqlRelayStore({ runner: fake.runner, outboxTable: '"o"', now: () => 0 });
    const result = await store.processBatch(10, lease(60_000), allOk);
    expect(result.published).toBe(2);
    expect(result.unsettled).toEqual([]);
    expect(result.dead).toHaveLength(1);
    expect(result.dead[0]!.id).toBe('b');
    expect(result.dead[0]!.error).toMatch(/^Kafka acknowledged the message \(it is on the topic\), but marking it PUBLISHED failed: b refuses PUBLISHED/);
    // The batch statement, then one statement per row (b parked DEAD right after its failure).
    expect(transactions).toEqual([['a', 'b', 'c'], ['a'], ['b'], ['b'], ['c']]);
    const parkedB = fake.log.filter((s) => isDead(s)).at(-1)!;
    expect(parkedB.text).toContain('WITH held AS MATERIALIZED');
    expect(fake.outcome()).toBe('commit');
  });

  it('a DEAD row the database refuses is parked with a bounded reason that says both', async () => {
    const fake = fakeRunner([row('a', 'k'), row('poison', 'x')], (statement, n) => {
      const reason = (statement.values[1] as string[] | undefined)?.[0] ?? '';
      if (isDead(statement) && reason.startsWith('TOPIC_')) throw new Error('index row size 8024 exceeds btree version 4 maximum 2704');
      return n;
    });
    const store = new SqlRelayStore({ runner: fake.runner, outboxTable: '"o"', now: () => 0 });
    const result = await store.processBatch(10, lease(60_000), async () => [
      { id: 'a', ok: true },
      { id: 'poison', ok: false, permanent: true, error: `TOPIC_AUTHORIZATION_FAILED ${'x'.repeat(5_000)}\u0000` },
    ]);
    expect(result.published).toBe(1);
    expect(result.dead).toHaveLength(1);
    expect(result.dead[0]!.error).toMatch(/^refused by Kafka \(TOPIC_AUTHORIZATION_FAILED x+/);
    expect(result.dead[0]!.error.length).toBeLessThanOrEqual(1_000);
    expect(result.dead[0]!.error).not.toContain('\u0000');
  });

  it('a row that refuses even DEAD is reported unsettled; the rest of the batch is recorded', async () => {
    const fake = fakeRunner([row('a', 'k'), row('stuck', 'x'), row('c', 'i')], (statement, n) => {
      if (ids(statement).includes('stuck')) throw new Error('stuck refuses every update');
      return n;
    });
    const store = new SqlRelayStore({ runner: fake.runner, outboxTable: '"o"', now: () => 0 });
    const result = await store.processBatch(10, lease(60_000), allOk);
    expect(result).toMatchObject({ claimed: 3, published: 2, dead: [] });
    expect(result.unsettled).toEqual([{ id: 'stuck', error: 'stuck refuses every update' }]);
  });

  it('a database that refuses everything is not tried row after row: after two rows the rest stay READY', async () => {
    let attempts = 0;
    const fake = fakeRunner(Array.from({ length: 50 }, (_, i) => row(`r${i}`, `k${i}`)), () => {
      attempts += 1;
      throw new Error('the database is read-only');
    });
    const store = new SqlRelayStore({ runner: fake.runner, outboxTable: '"o"', now: () => 0 });
    const result = await store.processBatch(100, lease(60_000), allOk);
    expect(result.published).toBe(0);
    expect(result.unsettled).toHaveLength(50);
    expect(result.unsettled[49]!.error).toMatch(/^not tried after two rows failed: the database is read-only/);
    // The batch statement, then for two rows their outcome and DEAD.
    expect(attempts).toBe(5);
  });

  it('a lost lease is not retried row by row: the batch rolls back as before', async () => {
    let transactions = 0;
    const fake = fakeRunner([row('a', 'k'), row('b', 'j')], () => {
      transactions += 1;
      return 1;
    });
    const store = new SqlRelayStore({ runner: fake.runner, outboxTable: '"o"', now: () => 0 });
    await expect(store.processBatch(10, lease(60_000), allOk)).rejects.toBeInstanceOf(LeaseLostError);
    expect(transactions).toBe(1);
  });
});
