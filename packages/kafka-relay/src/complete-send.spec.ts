import type { Message, PartitionMetadata, Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { IncompleteSendError, partitionOf, sendBatchCompletely, TrackedPartitioner } from './complete-send.js';

const partitionMetadata = (count: number, leaderless: number[] = []): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : partitionId % 3,
    replicas: [0, 1, 2],
    isr: [0, 1, 2],
    offlineReplicas: [],
    partitionErrorCode: 0,
  }));

/**
 * A producer that partitions like kafkajs (through the partitioner it was given, on every
 * attempt) and answers for the partitions `answer(call)` returns — as kafkajs 2.2.4 does when a
 * retry reuses a broker's earlier answer and never sends the partition whose leader moved there.
 */
function fakeProducer(answer: (call: number, partitions: number[]) => number[], count = 6) {
  const partitioner = TrackedPartitioner();
  const calls: Array<Array<{ partition: number; value: string }>> = [];
  const producer = {
    async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
      const sent: Array<{ partition: number; value: string }> = [];
      for (const { topic, messages } of batch.topicMessages!) {
        // kafkajs partitions the batch on each internal attempt: twice here, as a retry would.
        for (const message of messages) partitioner({ topic, partitionMetadata: partitionMetadata(count), message });
        for (const message of messages) sent.push({ partition: partitioner({ topic, partitionMetadata: partitionMetadata(count), message }), value: String(message.value) });
      }
      calls.push(sent);
      const partitions = [...new Set(sent.map((s) => s.partition))];
      return answer(calls.length, partitions).map((partition) => ({ topicName: 't', partition, errorCode: 0 }));
    },
  } as unknown as Producer;
  return { producer, calls };
}

const records = (keys: Array<string | null>): Message[] => keys.map((key, i) => ({ key, value: `${key ?? 'null'}:${i}` }));

describe('sendBatchCompletely', () => {
  it('returns after one send when the acknowledgement names every partition the records went to', async () => {
    const fake = fakeProducer((_, partitions) => partitions);
    const messages = records(['a', 'b', 'c', 'd', 'a']);
    const acknowledged = await sendBatchCompletely(fake.producer, { acks: -1, topicMessages: [{ topic: 't', messages }] });
    expect(fake.calls).toHaveLength(1);
    expect(new Set(acknowledged.map((a) => a.partition))).toEqual(new Set(messages.map((m) => partitionOf(m, 't'))));
  });

  it("sends again, in order and alone, the records of the partitions kafkajs's answer left out", async () => {
    const messages = records(['a', 'b', 'c', 'd', 'e', 'a', 'b', 'c']);
    let missing = -1;
    const fake = fakeProducer((call, partitions) => {
      if (call > 1) return partitions;
      missing = partitions[0]!;
      return partitions.slice(1);
    });
    const told: unknown[] = [];
    await sendBatchCompletely(fake.producer, { acks: -1, topicMessages: [{ topic: 't', messages }] }, { onUnsent: (unsent) => told.push(unsent) });
    expect(fake.calls).toHaveLength(2);
    expect(told).toEqual([{ records: fake.calls[1]!.length, partitions: [`t/${missing}`], round: 1 }]);
    const expected = messages.filter((m) => partitionOf(m, 't') === missing).map((m) => String(m.value));
    expect(expected.length).toBeGreaterThan(0);
    expect(fake.calls[1]!.map((s) => s.value)).toEqual(expected);
    expect(fake.calls[1]!.every((s) => s.partition === missing)).toBe(true);
  });

  it('keeps a null-key record on its first partition through retries and lost leaders, so the check holds for it too', () => {
    const partitioner = TrackedPartitioner();
    const messages = records([null, null, null, null]);
    const first = messages.map((message) => partitioner({ topic: 't', partitionMetadata: partitionMetadata(6), message }));
    expect(messages.map((m) => partitionOf(m, 't'))).toEqual(first);
    // kafkajs's round-robin would give each a new partition on the retry; a lost leader would too.
    expect(messages.map((message) => partitioner({ topic: 't', partitionMetadata: partitionMetadata(6), message }))).toEqual(first);
    expect(messages.map((message) => partitioner({ topic: 't', partitionMetadata: partitionMetadata(6, first), message }))).toEqual(first);
    // A new record still goes round-robin: four more spread over more than one partition.
    const more = records([null, null, null, null]).map((message) => partitioner({ topic: 't', partitionMetadata: partitionMetadata(6), message }));
    expect(new Set(more).size).toBeGreaterThan(1);
  });

  it('gives up with IncompleteSendError (retriable, naming the partitions) when the records never get through', async () => {
    const fake = fakeProducer((call, partitions) => partitions.slice(1));
    const messages = records(['a', 'b', 'c', 'd', 'e', 'f']);
    const error = await sendBatchCompletely(fake.producer, { acks: -1, topicMessages: [{ topic: 't', messages }] }, { rounds: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IncompleteSendError);
    expect(error).toMatchObject({ code: 'INCOMPLETE_SEND', retriable: true });
    expect((error as IncompleteSendError).partitions.length).toBe(1);
    expect(fake.calls).toHaveLength(3);
  });

  it('takes records the partitioner never saw as sent (a producer without TrackedPartitioner)', async () => {
    const producer = { sendBatch: async () => [] } as unknown as Producer;
    await expect(sendBatchCompletely(producer, { acks: -1, topicMessages: [{ topic: 't', messages: records(['a']) }] })).resolves.toEqual([]);
  });
});
