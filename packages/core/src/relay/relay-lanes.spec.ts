import { describe, expect, it } from 'vitest';
import { LeaseLostError } from '../errors.js';
import { silentLogger } from '../logger.js';
import type { SqlExecutor, SqlStatement } from '../ports.js';
import type { ClaimedRow } from '../sql/claim-ready-batch.js';
import { PartitionLeases } from './partition-leases.js';
import { laneOf, lanePartitions, RelayLanes } from './relay-lanes.js';
import { SqlRelayStore } from './sql-relay-store.js';
import type { SqlTransactionRunner } from './sql-transaction-runner.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `predicate` holds: these specs wait for conditions, never for a fixed time. */
async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

describe('lanePartitions', () => {
  it('splits any set of partitions into disjoint shares that together cover it', () => {
    const held = [0, 1, 2, 3, 5, 8, 9, 13, 21, 30, 31];
    for (const lanes of [1, 2, 3, 4, 7]) {
      const shares = Array.from({ length: lanes }, (_, lane) => lanePartitions(held, lane, lanes));
      const all = shares.flat();
      expect(all.sort((a, b) => a - b)).toEqual(held);
      expect(new Set(all).size).toBe(all.length);
    }
    expect(lanePartitions(held, 1, 3)).toEqual([1, 13, 31]);
  });

  it("keeps a partition's lane whatever else is held (a key never moves between lanes)", () => {
    for (let partition = 0; partition < 32; partition += 1) {
      const lane = laneOf(partition, 3);
      expect(lanePartitions([partition], lane, 3)).toEqual([partition]);
      expect(lanePartitions([partition, 0, 1, 2, 17], lane, 3)).toContain(partition);
      for (let other = 0; other < 3; other += 1) {
        if (other !== lane) expect(lanePartitions([partition, 0, 1, 2, 17], other, 3)).not.toContain(partition);
      }
    }
  });
});

describe('RelayLanes', () => {
  it('runs the lanes at once: a lane stuck in a step does not hold the others up', async () => {
    let release: () => void = () => {};
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const steps = [0, 0, 0];
    const lanes = new RelayLanes({
      lanes: 3,
      batchSize: 10,
      minIdleMs: 1,
      maxIdleMs: 2,
      backoff: () => 1,
      logger: silentLogger,
      step: async (lane) => {
        steps[lane]! += 1;
        if (lane === 0) await stuck;
        return 0;
      },
    });
    lanes.start();
    await until(() => steps[1]! > 3 && steps[2]! > 3, 'lanes 1 and 2 to run on while lane 0 is stuck');
    expect(steps[0]).toBe(1);
    const stopped = lanes.stop();
    release();
    await stopped;
    expect(lanes.isRunning).toBe(false);
  });

  it('reports a failure with its lane, and only the failing lane backs off', async () => {
    const failures: Array<[number, number]> = [];
    const steps = [0, 0];
    const lanes = new RelayLanes({
      lanes: 2,
      batchSize: 10,
      minIdleMs: 1,
      maxIdleMs: 1,
      backoff: () => 10_000,
      logger: silentLogger,
      onError: (_error, consecutive, lane) => failures.push([lane, consecutive]),
      step: async (lane) => {
        steps[lane]! += 1;
        if (lane === 1) throw new Error('lane 1 broken');
        return 0;
      },
    });
    lanes.start();
    await until(() => steps[0]! > 3, 'lane 0 to run on while lane 1 backs off');
    await lanes.stop();
    expect(failures).toEqual([[1, 1]]);
    expect(steps[1]).toBe(1);
  });

  it('logs "publishing resumed" once, when the last failing lane succeeds, with the time down and the failed attempts', async () => {
    const lines: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const logger = {
      debug: () => {},
      info: (m: string, f?: Record<string, unknown>) => void lines.push(['info', m, f]),
      warn: (m: string, f?: Record<string, unknown>) => void lines.push(['warn', m, f]),
      error: () => {},
    };
    let clock = 1_000;
    let brokerUp = false;
    const failed = [0, 0];
    const resumed: unknown[] = [];
    const lanes = new RelayLanes({
      lanes: 2,
      batchSize: 10,
      minIdleMs: 1,
      maxIdleMs: 1,
      backoff: () => 1,
      logger,
      now: () => clock,
      onResumed: (outage) => resumed.push(outage),
      // Each reported failure takes 100 on the clock.
      onError: () => void (clock += 100),
      step: async (lane) => {
        if (!brokerUp) {
          failed[lane]! += 1;
          throw new Error('broker down');
        }
        return 0;
      },
    });
    lanes.start();
    await until(() => failed[0]! >= 3 && failed[1]! >= 3, 'failures on both lanes');
    brokerUp = true;
    await until(() => resumed.length === 1, 'the resume');
    const attempts = failed[0]! + failed[1]!;
    // A few more rounds of successful steps log nothing more.
    await sleep(20);
    await lanes.stop();
    const failures = lines.filter(([, m]) => m === 'relay step failed; backing off');
    expect(failures.length).toBe(attempts);
    expect(new Set(failures.map(([, , f]) => f?.lane))).toEqual(new Set([0, 1]));
    expect(failures.every(([level, , f]) => level === 'warn' && typeof f?.retryInMs === 'number')).toBe(true);
    const resumes = lines.filter(([, m]) => m === 'publishing resumed');
    // Down from the first failure to the first success after the last one.
    const outage = { downMs: attempts * 100, failedAttempts: attempts };
    expect(resumes).toEqual([['info', 'publishing resumed', outage]]);
    expect(resumed).toEqual([outage]);
  });

  it('refuses a lane count that is not a positive integer', () => {
    const options = { batchSize: 1, minIdleMs: 1, maxIdleMs: 1, backoff: () => 1, logger: silentLogger, step: async () => 0 };
    expect(() => new RelayLanes({ ...options, lanes: 0 })).toThrow(RangeError);
    expect(() => new RelayLanes({ ...options, lanes: 1.5 })).toThrow(RangeError);
  });
});

/**
 * An in-memory database for one instance's leases and outbox rows, understanding the lease
 * statements, the claim and the PUBLISHED acknowledgement by their shape, with transactions
 * (an acknowledgement takes effect at commit). A row's partition is given, not hashed.
 */
function fakeDatabase(partitionCount: number, rowsPerPartition: number) {
  const leases = new Map<number, { owner: string | null; token: number }>();
  const rows = new Map<string, { partition: number; status: 'READY' | 'PUBLISHED' }>();
  for (let p = 0; p < partitionCount; p += 1) {
    leases.set(p, { owner: null, token: 0 });
    for (let n = 0; n < rowsPerPartition; n += 1) rows.set(`p${p}-${n}`, { partition: p, status: 'READY' });
  }
  /** The fence check of heldPartitions(): partitions still owned by `id` with the same token. */
  const stillHeld = (values: readonly unknown[], first: number): Set<number> => {
    const [partitions, tokens, id] = values.slice(first, first + 3) as [number[], string[], string];
    return new Set(partitions.filter((p, i) => leases.get(p)?.owner === id && String(leases.get(p)?.token) === tokens[i]));
  };
  const leaseExecutor: SqlExecutor = {
    async query<R>(s: SqlStatement): Promise<R[]> {
      if (s.text.startsWith('SELECT count(*)::int AS count')) return [{ count: leases.size, max: leases.size - 1 }] as R[];
      if (s.text.startsWith('WITH me AS')) return [{ live: 1 }] as R[];
      if (s.text.includes('SET expires_at = clock_timestamp()')) {
        const [id, , ps, ts] = s.values as [string, number, number[], string[]];
        return ps
          .filter((p, i) => leases.get(p)?.owner === id && String(leases.get(p)?.token) === ts[i])
          .map((p) => ({ partition: p, token: String(leases.get(p)!.token) })) as R[];
      }
      if (s.text.includes('SET owner = $1, token = l.token + 1')) {
        const [id, , count] = s.values as [string, number, number];
        return [...leases.entries()]
          .filter(([, v]) => v.owner === null)
          .slice(0, count)
          .map(([p, v]) => {
            v.owner = id;
            v.token += 1;
            return { partition: p, token: String(v.token) };
          }) as R[];
      }
      if (s.text.includes('SET owner = NULL')) {
        const id = s.values[0] as string;
        return [...leases.entries()]
          .filter(([, v]) => v.owner === id)
          .map(([p, v]) => {
            v.owner = null;
            return { partition: p };
          }) as R[];
      }
      return [];
    },
    async execute() {
      return 0;
    },
  };
  const committed: string[][] = [];
  const rolledBack: string[][] = [];
  const runner: SqlTransactionRunner = {
    async transaction<T>(work: (executor: SqlExecutor) => Promise<T>): Promise<T> {
      const acked: string[] = [];
      const claimed: string[] = [];
      const executor: SqlExecutor = {
        async query<R>(s: SqlStatement): Promise<R[]> {
          if (!s.text.includes('FOR UPDATE OF o')) return [];
          const [limit] = s.values as [number];
          const held = stillHeld(s.values, 2);
          const found = [...rows.entries()].filter(([, r]) => r.status === 'READY' && held.has(r.partition)).slice(0, limit);
          claimed.push(...found.map(([id]) => id));
          return found.map(([id, r]) => claimedRow(id, `key-${r.partition}`)) as R[];
        },
        async execute(s: SqlStatement): Promise<number> {
          if (!s.text.includes("SET status = 'PUBLISHED'")) return 0;
          const ids = s.values[0] as string[];
          const held = stillHeld(s.values, 2);
          const hit = ids.filter((id) => rows.get(id)?.status === 'READY' && held.has(rows.get(id)!.partition));
          acked.push(...hit);
          return hit.length;
        },
      };
      try {
        const result = await work(executor);
        for (const id of acked) rows.get(id)!.status = 'PUBLISHED';
        committed.push(claimed);
        return result;
      } catch (error) {
        rolledBack.push(claimed);
        throw error;
      }
    },
  };
  const status = (partition: number) => [...rows.values()].filter((r) => r.partition === partition).map((r) => r.status);
  return { leases, rows, leaseExecutor, runner, committed, rolledBack, status };
}

function claimedRow(id: string, key: string): ClaimedRow {
  return {
    id, seq: id, topic: 't', key, payload_json: '{}', payload_bytes: null, type: null,
    headers_json: '{}', producer_group: null, created_at: new Date(0), attempts: 0,
  };
}

describe('lanes over partition leases', () => {
  it('a lease lost while two lanes have batches in flight rolls back only the lane that held it', async () => {
    const db = fakeDatabase(8, 2);
    const leases = new PartitionLeases({
      executor: db.leaseExecutor,
      leaseTable: '"l"',
      memberTable: '"m"',
      member: { instanceId: 'a', host: 'h', pid: 1 },
      partitionCount: 8,
      leaseMs: 60_000,
      heartbeatMs: 60_000,
      logger: silentLogger,
    });
    await leases.start();
    const store = new SqlRelayStore({ runner: db.runner, outboxTable: '"o"', now: () => 0 });
    const published: string[][] = [[], []];
    const batch = async (lane: number, duringPublish: () => void = () => {}) => {
      const lease = await leases.beginBatch({ lane, lanes: 2 });
      try {
        return await store.processBatch(100, lease!, async (messages) => {
          duringPublish();
          await sleep(5); // both lanes' publishes overlap
          published[lane]!.push(...messages.map((m) => m.id));
          return messages.map((m) => ({ id: m.id, ok: true as const }));
        });
      } finally {
        leases.endBatch(lease!);
      }
    };

    // Lane 1 (odd partitions) loses partition 3 to another instance while it publishes.
    const [lane0, lane1] = await Promise.allSettled([
      batch(0),
      batch(1, () => db.leases.set(3, { owner: 'b', token: 7 })),
    ]);
    expect(lane0.status).toBe('fulfilled');
    expect(lane0.status === 'fulfilled' && lane0.value.published).toBe(8);
    expect(lane1.status === 'rejected' && lane1.reason).toBeInstanceOf(LeaseLostError);
    // Lane 0's batch committed; all of lane 1's batch (partitions 1, 3, 5, 7) stayed READY.
    for (const p of [0, 2, 4, 6]) expect(db.status(p)).toEqual(['PUBLISHED', 'PUBLISHED']);
    for (const p of [1, 3, 5, 7]) expect(db.status(p)).toEqual(['READY', 'READY']);
    expect(published[0]!.every((id) => [0, 2, 4, 6].some((p) => id.startsWith(`p${p}-`)))).toBe(true);
    expect(published[1]!.every((id) => [1, 3, 5, 7].some((p) => id.startsWith(`p${p}-`)))).toBe(true);

    // The heartbeat notices the loss; lane 1's next batch goes on without partition 3.
    await leases.heartbeat();
    expect(leases.heldPartitions).toEqual([0, 1, 2, 4, 5, 6, 7]);
    const again = await batch(1);
    expect(again.published).toBe(6);
    for (const p of [1, 5, 7]) expect(db.status(p)).toEqual(['PUBLISHED', 'PUBLISHED']);
    expect(db.status(3)).toEqual(['READY', 'READY']);
    await leases.stop();
  });
});
