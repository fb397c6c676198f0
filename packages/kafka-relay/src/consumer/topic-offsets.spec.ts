import { describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { fetchTopicOffsetsRetrying } from './topic-offsets.js';

/** kafkajs's error for NOT_LEADER_OR_FOLLOWER, as its protocol layer builds it (retriable). */
const notLeader = () => Object.assign(new Error('This server is not the leader for that topic-partition'), { name: 'KafkaJSProtocolError', type: 'NOT_LEADER_FOR_PARTITION', retriable: true });

function fakeAdmin(failures: unknown[]) {
  const calls = { offsets: 0, metadata: 0 };
  const admin = {
    async fetchTopicOffsets() {
      calls.offsets += 1;
      const failure = failures.shift();
      if (failure) throw failure;
      return [{ partition: 0, offset: '3', high: '3', low: '0' }];
    },
    async fetchTopicMetadata() {
      calls.metadata += 1;
      return { topics: [] };
    },
  } as unknown as Admin;
  return { admin, calls };
}

describe('fetchTopicOffsetsRetrying', () => {
  it('refreshes the metadata and tries again after NOT_LEADER_OR_FOLLOWER, which kafkajs gives up on', async () => {
    const { admin, calls } = fakeAdmin([notLeader(), notLeader()]);
    await expect(fetchTopicOffsetsRetrying(admin, 't')).resolves.toEqual([{ partition: 0, offset: '3', high: '3', low: '0' }]);
    expect(calls).toEqual({ offsets: 3, metadata: 2 });
  });

  it('throws a non-retriable error at once, and a retriable one after the wait', async () => {
    const refused = Object.assign(new Error('not authorized'), { retriable: false });
    await expect(fetchTopicOffsetsRetrying(fakeAdmin([refused]).admin, 't')).rejects.toBe(refused);
    const always = fakeAdmin(Array.from({ length: 100 }, notLeader));
    await expect(fetchTopicOffsetsRetrying(always.admin, 't', 120)).rejects.toThrow(/not the leader/);
    expect(always.calls.offsets).toBeGreaterThan(1);
  });
});
