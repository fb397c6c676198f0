import { describe, expect, it } from 'vitest';
import { silentLogger } from '@outboxkit/core';
import type { OffsetsByTopicPartition } from 'kafkajs';
import { OffsetCommitter, type GroupCommits } from './offset-committer.js';

/** A group whose resolved offsets the test sets; commits are recorded and take a tick. */
function fakeGroup() {
  const resolved = new Map<number, string>();
  const committedOffsets = new Map<number, string>();
  const commits: string[] = [];
  let fail: Error | undefined;
  let inFlight = 0;
  let overlapped = false;
  const group: GroupCommits = {
    uncommittedOffsets: (): OffsetsByTopicPartition => {
      const partitions = [...resolved].filter(([p, o]) => committedOffsets.get(p) !== o).map(([partition, offset]) => ({ partition, offset }));
      return { topics: partitions.length ? [{ topic: 't', partitions }] : [] };
    },
    commitOffsetsIfNecessary: async (offsets) => {
      inFlight += 1;
      if (inFlight > 1) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      if (fail) throw fail;
      for (const { partition, offset } of offsets.topics[0]!.partitions) committedOffsets.set(partition, offset);
      commits.push(offsets.topics[0]!.partitions.map((p) => `${p.partition}:${p.offset}`).join(','));
    },
  };
  return { group, resolved, commits, failWith: (e?: Error) => (fail = e), overlapped: () => overlapped };
}

function committer(intervalMs: number, clock: { now: number }) {
  const errors: unknown[] = [];
  const c = new OffsetCommitter({ intervalMs, logger: silentLogger, onError: (e) => errors.push(e), now: () => clock.now });
  return { c, errors };
}

describe('OffsetCommitter', () => {
  it('does not commit after every batch: only once the interval passed, then everything resolved', async () => {
    const clock = { now: 0 };
    const { c } = committer(1_000, clock);
    const g = fakeGroup();
    g.resolved.set(0, '10');
    await c.afterBatch(g.group, false);
    clock.now = 500;
    g.resolved.set(0, '20');
    g.resolved.set(1, '5');
    await c.afterBatch(g.group, false);
    expect(g.commits).toEqual([]);
    clock.now = 1_000;
    await c.afterBatch(g.group, false);
    expect(g.commits).toEqual(['0:20,1:5']);
  });

  it('commits at once when kafkajs stops the batch, when a batch failed, and on stop', async () => {
    const clock = { now: 0 };
    const { c } = committer(60_000, clock);
    const g = fakeGroup();
    g.resolved.set(0, '3');
    await c.afterBatch(g.group, true);
    g.resolved.set(0, '4');
    await c.afterFailure(g.group);
    g.resolved.set(0, '7');
    await c.stop();
    // After stop() every batch end commits, whatever the interval.
    g.resolved.set(0, '9');
    await c.afterBatch(g.group, false);
    expect(g.commits).toEqual(['0:3', '0:4', '0:7', '0:9']);
  });

  it('with interval 0 commits after every batch; sends nothing when nothing new was resolved', async () => {
    const { c } = committer(0, { now: 0 });
    const g = fakeGroup();
    g.resolved.set(0, '1');
    await c.afterBatch(g.group, false);
    await c.afterBatch(g.group, false);
    g.resolved.set(0, '2');
    await c.afterBatch(g.group, false);
    expect(g.commits).toEqual(['0:1', '0:2']);
  });

  it('runs one commit at a time, never throws, and reports a failed commit; the next one carries its offsets', async () => {
    const { c, errors } = committer(0, { now: 0 });
    const g = fakeGroup();
    g.resolved.set(0, '5');
    g.failWith(new Error('REBALANCE_IN_PROGRESS'));
    await Promise.all([c.afterBatch(g.group, false), c.afterFailure(g.group), c.commit()]);
    expect(g.overlapped()).toBe(false);
    expect(errors.map((e) => (e as Error).message)).toEqual(['REBALANCE_IN_PROGRESS', 'REBALANCE_IN_PROGRESS', 'REBALANCE_IN_PROGRESS']);
    g.failWith(undefined);
    await c.commit();
    expect(g.commits).toEqual(['0:5']);
  });

  it('commits from its timer what batches resolved but did not commit', async () => {
    const { c } = committer(20, { now: 0 });
    const g = fakeGroup();
    g.resolved.set(2, '8');
    await c.afterBatch(g.group, false); // interval not passed on this clock: no commit
    expect(g.commits).toEqual([]);
    c.start();
    await new Promise((resolve) => setTimeout(resolve, 80));
    await c.stop();
    expect(g.commits).toEqual(['2:8']);
  });
});
