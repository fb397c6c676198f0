import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { silentLogger } from '../logger.js';
import type { SqlExecutor, SqlStatement } from '../ports.js';
import { PartitionLeases } from './partition-leases.js';

/** An in-memory lease table that understands the lease statements by their shape. */
function fakeLeaseDb(partitions: number, live: () => number) {
  const owner = new Map<number, { owner: string | null; token: number }>();
  const statements: string[] = [];
  const executor: SqlExecutor = {
    async query<R>(s: SqlStatement): Promise<R[]> {
      statements.push(s.text);
      if (s.text.startsWith('SELECT count(*)::int AS count')) return [{ count: owner.size, max: owner.size - 1 }] as R[];
      if (s.text.startsWith('WITH me AS')) return [{ live: live() }] as R[];
      if (s.text.includes('SET expires_at = clock_timestamp()')) {
        const [id, , ps, ts] = s.values as [string, number, number[], string[]];
        return ps
          .filter((p, i) => owner.get(p)?.owner === id && String(owner.get(p)?.token) === ts[i])
          .map((p) => ({ partition: p, token: String(owner.get(p)!.token) })) as R[];
      }
      if (s.text.includes('SET owner = $1, token = l.token + 1')) {
        const [id, , count] = s.values as [string, number, number];
        const free = [...owner.entries()].filter(([, v]) => v.owner === null).slice(0, count);
        return free.map(([p, v]) => {
          v.owner = id;
          v.token += 1;
          return { partition: p, token: String(v.token) };
        }) as R[];
      }
      if (s.text.includes('SET owner = NULL')) {
        const id = s.values[0] as string;
        const ps = s.values.length > 1 ? (s.values[1] as number[]) : [...owner.keys()];
        return ps.filter((p) => owner.get(p)?.owner === id).map((p) => {
          owner.get(p)!.owner = null;
          return { partition: p };
        }) as R[];
      }
      return [];
    },
    async execute(s: SqlStatement) {
      statements.push(s.text);
      if (s.text.startsWith('INSERT INTO') && owner.size === 0) {
        for (let p = 0; p < partitions; p += 1) owner.set(p, { owner: null, token: 0 });
      }
      return 0;
    },
  };
  return { executor, owner, statements };
}

function leases(db: ReturnType<typeof fakeLeaseDb>, id: string, partitionCount = 8) {
  return new PartitionLeases({
    executor: db.executor,
    leaseTable: '"l"',
    memberTable: '"m"',
    member: { instanceId: id, host: 'h', pid: 1 },
    partitionCount,
    leaseMs: 60_000,
    heartbeatMs: 60_000,
    logger: silentLogger,
  });
}

describe('PartitionLeases', () => {
  it('takes every partition when alone, and gives the extras up when a second instance is alive', async () => {
    let live = 1;
    const db = fakeLeaseDb(8, () => live);
    const a = leases(db, 'a');
    await a.start();
    expect(a.heldPartitions).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const batch = await a.beginBatch();
    expect(batch?.fence.partitions).toHaveLength(8);
    expect(batch?.fence.tokens).toEqual(['1', '1', '1', '1', '1', '1', '1', '1']);

    live = 2;
    // A batch is in flight: the release waits for it.
    await a.heartbeat();
    expect([...db.owner.values()].filter((v) => v.owner === 'a')).toHaveLength(8);
    a.endBatch(batch!);
    const next = await a.beginBatch();
    expect(next?.fence.partitions).toEqual([0, 1, 2, 3]);
    expect([...db.owner.values()].filter((v) => v.owner === 'a')).toHaveLength(4);
    a.endBatch(next!);

    const b = leases(db, 'b');
    await b.start();
    expect(b.heldPartitions).toEqual([4, 5, 6, 7]);
    await a.stop();
    await b.stop();
  });

  it('gives each lane the partitions of its share only, never one partition to two batches in flight', async () => {
    const db = fakeLeaseDb(8, () => 1);
    const a = leases(db, 'a');
    await a.start();
    const lane0 = await a.beginBatch({ lane: 0, lanes: 3 });
    const lane1 = await a.beginBatch({ lane: 1, lanes: 3 });
    const lane2 = await a.beginBatch({ lane: 2, lanes: 3 });
    expect(lane0?.fence.partitions).toEqual([0, 3, 6]);
    expect(lane1?.fence.partitions).toEqual([1, 4, 7]);
    expect(lane2?.fence.partitions).toEqual([2, 5]);
    expect(lane1?.fence.tokens).toEqual(['1', '1', '1']);
    // A second batch of a lane whose batch is still in flight gets nothing (no partition is in
    // two fences at once); once the first ended, the same share again.
    expect(await a.beginBatch({ lane: 1, lanes: 3 })).toBeUndefined();
    a.endBatch(lane1!);
    expect((await a.beginBatch({ lane: 1, lanes: 3 }))?.fence.partitions).toEqual([1, 4, 7]);
    await a.stop();
  });

  it('releases the extras no batch has in flight at once, and the others when their lane ends its batch', async () => {
    let live = 1;
    const db = fakeLeaseDb(8, () => live);
    const a = leases(db, 'a');
    await a.start();
    const lane0 = await a.beginBatch({ lane: 0, lanes: 2 }); // 0, 2, 4, 6 in flight
    live = 2; // fair share 4: partitions 4..7 are to be given up
    await a.heartbeat();
    const owned = () => [...db.owner.entries()].filter(([, v]) => v.owner === 'a').map(([p]) => p);
    // 5 and 7 (lane 1, idle) went at once; 4 and 6 wait for lane 0's batch.
    expect(owned()).toEqual([0, 1, 2, 3, 4, 6]);
    // Lane 1 starts a batch meanwhile: it gets its remaining partitions only.
    const lane1 = await a.beginBatch({ lane: 1, lanes: 2 });
    expect(lane1?.fence.partitions).toEqual([1, 3]);
    expect(owned()).toEqual([0, 1, 2, 3, 4, 6]);
    a.endBatch(lane0!);
    // The next batch of any lane gives up what is no longer in flight; lane 0 keeps 0 and 2.
    const again = await a.beginBatch({ lane: 0, lanes: 2 });
    expect(again?.fence.partitions).toEqual([0, 2]);
    expect(owned()).toEqual([0, 1, 2, 3]);
    a.endBatch(again!);
    a.endBatch(lane1!);
    await a.stop();
  });

  it('notices a lease taken by another instance and stops using it', async () => {
    const db = fakeLeaseDb(4, () => 1);
    const a = leases(db, 'a', 4);
    await a.start();
    db.owner.set(2, { owner: 'intruder', token: 9 });
    await a.heartbeat();
    expect(a.heldPartitions).toEqual([0, 1, 3]);
    await a.stop();
    expect(db.owner.get(2)?.owner).toBe('intruder');
  });

  it('refuses to start with a partition count other instances do not share', async () => {
    const db = fakeLeaseDb(8, () => 1);
    await leases(db, 'a', 8).start();
    await expect(leases(db, 'b', 16).start()).rejects.toBeInstanceOf(InvalidConfigError);
  });
});
