import type { StoredMessage } from '@outboxkit/core';
import type { Producer, ProducerBatch, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaPublisher } from './kafka-publisher.js';

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
});
