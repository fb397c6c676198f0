import type { StoredMessage } from '@outboxkit/core';
import type { Producer, ProducerBatch, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaPublisher, monotonicMs } from './kafka-publisher.js';
import { recordSize, toKafkaRecord } from './kafka-record.js';

/** maxRequestBytes that fits exactly two records like `m`. */
const twoRecords = (m: StoredMessage) => 2 * recordSize(toKafkaRecord(m)) + 1;

function message(id: string, key: string | null, payload = '{}'): StoredMessage {
  return {
    id, seq: id, topic: 't', key, payloadJson: payload, payloadBytes: null, type: null, headers: {},
    producerGroup: null, createdAt: new Date(0), attempts: 0,
  };
}

const tooLarge = Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });

/** A producer that rejects (permanently) any record whose value is longer than `limit`. */
function fakeProducer(limit: number) {
  const requests: string[][] = [];
  const ids = (records: Array<{ headers?: unknown }>) =>
    records.map((r) => String((r.headers as Record<string, string>)['outboxkit-message-id']));
  const producer = {
    async sendBatch(batch: ProducerBatch) {
      const records = batch.topicMessages!.flatMap((t) => t.messages);
      requests.push(ids(records));
      if (records.some((r) => String(r.value).length > limit)) throw tooLarge;
      return [];
    },
    async send(record: ProducerRecord) {
      requests.push(ids(record.messages));
      if (record.messages.some((r) => String(r.value).length > limit)) throw tooLarge;
      return [];
    },
  } as unknown as Producer;
  return { producer, requests };
}

describe('KafkaPublisher', () => {
  it('sends a batch in one request', async () => {
    const fake = fakeProducer(100);
    const outcomes = await new KafkaPublisher(fake.producer).publish([message('a', 'k'), message('b', 'j')]);
    expect(outcomes).toEqual([{ id: 'a', ok: true }, { id: 'b', ok: true }]);
    expect(fake.requests).toEqual([['a', 'b']]);
  });

  it('splits a batch into requests of at most maxRequestBytes, in order', async () => {
    const fake = fakeProducer(1000);
    const big = 'x'.repeat(100);
    await new KafkaPublisher(fake.producer, { maxRequestBytes: 400 }).publish(
      ['a', 'b', 'c', 'd', 'e'].map((id) => message(id, id, big)),
    );
    expect(fake.requests).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('isolates a record the broker rejects; with "hold" later records of its key are not sent', async () => {
    const fake = fakeProducer(10);
    const batch = [message('a', 'k'), message('b', 'k', 'x'.repeat(50)), message('c', 'j'), message('d', 'k')];
    const replaced: string[] = [];
    const publisher = new KafkaPublisher(() => fake.producer, { replaceProducer: async (reason) => void replaced.push(reason) });
    const outcomes = await publisher.publish(batch, { holdKeysAfterPoison: true });
    // The producer's sequence state is suspect after a partly rejected request: replaced first.
    expect(replaced).toEqual(['a produce request was rejected: MESSAGE_TOO_LARGE: too large']);
    expect(outcomes[0]).toEqual({ id: 'a', ok: true });
    expect(outcomes[1]).toMatchObject({ id: 'b', ok: false, permanent: true, error: 'MESSAGE_TOO_LARGE: too large' });
    expect(outcomes[2]).toEqual({ id: 'c', ok: true });
    expect(outcomes[3]).toMatchObject({ id: 'd', ok: false, permanent: false, held: true });
    // The whole request, then record by record up to the poison, skipping the held one.
    expect(fake.requests).toEqual([['a', 'b', 'c', 'd'], ['a'], ['b'], ['c']]);
  });

  it('with "pass", later records of the key still go out', async () => {
    const fake = fakeProducer(10);
    const batch = [message('b', 'k', 'x'.repeat(50)), message('d', 'k')];
    const outcomes = await new KafkaPublisher(fake.producer).publish(batch, { holdKeysAfterPoison: false });
    expect(outcomes.map((o) => o.ok)).toEqual([false, true]);
  });

  it('parks records above maxRecordBytes without a round trip, holding their key', async () => {
    const fake = fakeProducer(1_000_000);
    const outcomes = await new KafkaPublisher(fake.producer, { maxRecordBytes: 200 }).publish(
      [message('a', 'k', 'x'.repeat(300)), message('b', 'k'), message('c', 'j')],
      { holdKeysAfterPoison: true },
    );
    expect(outcomes[0]).toMatchObject({ ok: false, permanent: true });
    expect((outcomes[0] as { error: string }).error).toMatch(/^MESSAGE_TOO_LARGE: record of \d+ bytes exceeds maxRecordBytes 200$/);
    expect(outcomes[1]).toMatchObject({ ok: false, held: true });
    expect(fake.requests).toEqual([['c']]);
  });

  it('throws on a transient failure so the whole batch is retried', async () => {
    const producer = { sendBatch: async () => { throw Object.assign(new Error('down'), { name: 'KafkaJSConnectionError' }); } } as unknown as Producer;
    await expect(new KafkaPublisher(producer).publish([message('a', 'k')])).rejects.toThrow('down');
  });

  it('runs concurrent publishes one at a time, in call order (the idempotent producer takes one send at a time)', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const order: string[] = [];
    const producer = {
      async sendBatch(batch: ProducerBatch) {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const ids = batch.topicMessages!.flatMap((t) => t.messages).map((r) => String((r.headers as Record<string, string>)['outboxkit-message-id']));
        await new Promise((r) => setTimeout(r, 3));
        order.push(...ids);
        inFlight -= 1;
        return [];
      },
    } as unknown as Producer;
    // maxRequestBytes forces two requests per batch: a later publish must not slip in between.
    const publisher = new KafkaPublisher(producer, { maxRequestBytes: 150 });
    const lanes = ['x', 'y', 'z'].map((lane) => publisher.publish([message(`${lane}1`, lane, 'v'.repeat(60)), message(`${lane}2`, lane, 'v'.repeat(60))]));
    const outcomes = await Promise.all(lanes);
    expect(maxInFlight).toBe(1);
    expect(order).toEqual(['x1', 'x2', 'y1', 'y2', 'z1', 'z2']);
    expect(outcomes.flat().every((o) => o.ok)).toBe(true);
  });

  it('a failed publish does not block the next one', async () => {
    let calls = 0;
    const producer = {
      async sendBatch() {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('down'), { name: 'KafkaJSConnectionError' });
        return [];
      },
    } as unknown as Producer;
    const publisher = new KafkaPublisher(producer);
    const [first, second] = await Promise.allSettled([publisher.publish([message('a', 'k')]), publisher.publish([message('b', 'j')])]);
    expect(first.status).toBe('rejected');
    expect(second).toEqual({ status: 'fulfilled', value: [{ id: 'b', ok: true }] });
  });

  it('sends nothing more of a batch the relay gave up on (its signal aborted)', async () => {
    const fake = fakeProducer(1000);
    const abandoned = new AbortController();
    const slow = {
      async sendBatch(batch: ProducerBatch) {
        await fake.producer.sendBatch(batch);
        abandoned.abort(new Error('deadline passed'));
        return [];
      },
    } as unknown as Producer;
    const big = 'x'.repeat(100);
    const publisher = new KafkaPublisher(slow, { maxRequestBytes: twoRecords(message('a', 'a', big)) });
    await expect(
      publisher.publish(['a', 'b', 'c', 'd'].map((id) => message(id, id, big)), { holdKeysAfterPoison: true, signal: abandoned.signal }),
    ).rejects.toThrow('deadline passed');
    // The first request went out; the second was never sent.
    expect(fake.requests).toEqual([['a', 'b']]);
    // Aborted before its turn: not sent at all.
    await expect(publisher.publish([message('e', 'e')], { holdKeysAfterPoison: true, signal: abandoned.signal })).rejects.toThrow('deadline passed');
    expect(fake.requests).toEqual([['a', 'b']]);
  });

  it('reports every acknowledged request with its message ids and the monotonic time its send resolved', async () => {
    const fake = fakeProducer(10);
    const acks: Array<{ ids: string[]; at: number }> = [];
    const publisher = new KafkaPublisher(() => fake.producer, {
      maxRequestBytes: twoRecords(message('d', 'd', 'x'.repeat(12))),
      replaceProducer: async () => undefined,
      onAcknowledged: (messages, at) => acks.push({ ids: messages.map((m) => m.id), at }),
    });
    const before = monotonicMs();
    // a and b go in one request; c and d (poison) in the next, which is replayed record by record.
    await publisher.publish([message('a', 'a'), message('b', 'b'), message('c', 'c'), message('d', 'd', 'x'.repeat(12))], { holdKeysAfterPoison: true });
    const after = monotonicMs();
    expect(fake.requests).toEqual([['a', 'b'], ['c', 'd'], ['c'], ['d']]);
    expect(acks.map((a) => a.ids)).toEqual([['a', 'b'], ['c']]);
    for (const { at } of acks) {
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(after);
    }
    // process.hrtime (system-wide CLOCK_MONOTONIC), not performance.now() (per process).
    const hrtimeMs = () => Number(process.hrtime.bigint()) / 1e6;
    const earlier = hrtimeMs();
    const now = monotonicMs();
    expect(now).toBeGreaterThanOrEqual(earlier);
    expect(now).toBeLessThanOrEqual(hrtimeMs());
  });
});
