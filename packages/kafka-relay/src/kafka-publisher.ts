import type { StoredMessage } from '@outboxkit/core';
import { FifoMutex, type Publisher, type PublishOptions, type PublishOutcome } from '@outboxkit/core/internal';
import type { CompressionTypes as CompressionType, Message, Producer, TopicMessages } from 'kafkajs';
import { describeError, isPermanentBrokerError } from './broker-errors.js';
import { sendBatchCompletely, type UnsentRecords } from './complete-send.js';
import { CompressionTypes } from './kafka-connection.js';
import { recordSize, toKafkaRecord } from './kafka-record.js';

export interface KafkaPublisherOptions {
  /** Compression of the produce requests (kafka-connection.ts checks that a codec is registered). Default none. */
  compression?: CompressionType;
  /** Largest record sent, bytes; bigger ones are reported as permanent failures without a round trip. Default 1,048,576. */
  maxRecordBytes?: number;
  /** A batch goes out in consecutive produce requests of at most this many record bytes. Default 1,000,000. */
  maxRequestBytes?: number;
  /**
   * Replaces the producer (pass it with `producer` as a function). Called after a request was
   * rejected for good and before its records are replayed one by one: when a request spanning
   * several partitions is rejected for one of them, the broker still appends the others, but
   * kafkajs's idempotent producer does not advance its sequence numbers for them, and every
   * later send to those partitions would fail with OUT_OF_ORDER_SEQUENCE_NUMBER.
   */
  replaceProducer?: (reason: string) => Promise<void>;
  /**
   * Told when the broker acknowledged (acks=all) a produce request: the messages it carried and
   * the time its send resolved, in milliseconds of `process.hrtime` (CLOCK_MONOTONIC, the same
   * clock in every process of a Linux host). Runs synchronously on the publish path: keep it cheap.
   */
  onAcknowledged?: (messages: readonly StoredMessage[], brokerAckAt: number) => void;
  /** Told when kafkajs reported a request sent without some partitions' records, before they are sent again (complete-send.ts). */
  onUnsent?: (unsent: UnsentRecords) => void;
}

/** process.hrtime in milliseconds (see onAcknowledged). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

interface Item {
  message: StoredMessage;
  record: Message;
  size: number;
}

/**
 * Publishes a batch in as few produce requests as its size allows — usually ONE (kafkajs does
 * not batch on its own). Records of one key keep their order: they go to one partition, in
 * batch order, through an idempotent producer with one request in flight, and a request is sent
 * only after the previous one was acknowledged.
 *
 * When the broker rejects a request for good (a record too large for the topic, a bad topic) the
 * request is replayed record by record to find the poison ones, reported as permanent failures;
 * with `holdKeysAfterPoison`, no later record of a poisoned key is sent (reported `held`). A
 * transient failure (broker down) throws, and the relay retries the whole batch later.
 *
 * `producer` may be a function, so the relay can replace a broken producer between batches.
 *
 * Concurrent `publish` calls (the relay's lanes) run one at a time, in call order (a FIFO
 * mutex). kafkajs's idempotent producer is not safe with concurrent sends (tulios/kafkajs #598,
 * #1005): kafkajs 2.2.4 advances a partition's sequence number when it sends a request and winds
 * it back when that request fails (producer/sendMessages.js), so when one of two concurrent
 * requests to a partition fails, the other's numbers are handed out again: the broker rejects
 * the next request (OUT_OF_ORDER_SEQUENCE_NUMBER) or drops its records as duplicates. When
 * nothing fails it works, which is why only the failure case needs the mutex — and why no
 * happy-path test could show its absence. One producer behind a mutex was
 * chosen over one producer per lane: the lanes' gain is overlapping one lane's database work
 * with another's send, which the mutex keeps; building a request is CPU work on the one JS
 * thread either way; and one producer keeps one producer id, one set of connections and one
 * thing to replace when the broker forgets it. A publish whose batch was given up (its `signal`
 * aborted: the deadline passed and the transaction rolled back) sends nothing more, neither
 * when its turn comes nor between its requests.
 */
export class KafkaPublisher implements Publisher {
  private readonly maxRecordBytes: number;
  private readonly maxRequestBytes: number;
  private readonly producer: () => Producer;
  private readonly replaceProducer: ((reason: string) => Promise<void>) | undefined;
  private readonly onAcknowledged: KafkaPublisherOptions['onAcknowledged'];
  private readonly onUnsent: KafkaPublisherOptions['onUnsent'];
  private readonly sends = new FifoMutex();
  private readonly compression: CompressionType;

  constructor(producer: Producer | (() => Producer), options: KafkaPublisherOptions = {}) {
    this.producer = typeof producer === 'function' ? producer : () => producer;
    this.compression = options.compression ?? CompressionTypes.None;
    this.maxRecordBytes = options.maxRecordBytes ?? 1_048_576;
    this.maxRequestBytes = options.maxRequestBytes ?? 1_000_000;
    this.replaceProducer = options.replaceProducer;
    this.onAcknowledged = options.onAcknowledged;
    this.onUnsent = options.onUnsent;
  }

  async publish(batch: readonly StoredMessage[], options: PublishOptions = { holdKeysAfterPoison: false }): Promise<PublishOutcome[]> {
    const outcomes = new Map<string, PublishOutcome>();
    const poisoned = new Set<string>();
    const hold = options.holdKeysAfterPoison;
    const isHeld = (message: StoredMessage): boolean => {
      if (!hold || message.key === null || !poisoned.has(message.key)) return false;
      outcomes.set(message.id, {
        id: message.id,
        ok: false,
        permanent: false,
        held: true,
        error: `held: an earlier message of key "${message.key}" is DEAD (dead-key policy "hold")`,
      });
      return true;
    };
    const fail = (message: StoredMessage, error: string): void => {
      outcomes.set(message.id, { id: message.id, ok: false, permanent: true, error });
      if (message.key !== null) poisoned.add(message.key);
    };

    const sendable: Item[] = [];
    for (const message of batch) {
      if (isHeld(message)) continue;
      const record = toKafkaRecord(message);
      const size = recordSize(record);
      if (size > this.maxRecordBytes) {
        fail(message, `MESSAGE_TOO_LARGE: record of ${size} bytes exceeds maxRecordBytes ${this.maxRecordBytes}`);
      } else {
        sendable.push({ message, record, size });
      }
    }

    // Records are built above, outside the mutex: while another lane's request waits for the
    // broker, this one's encoding can already run. Only the sends take turns.
    await this.sends.run(async () => {
      for (const request of this.requests(sendable)) {
        const items = request.filter((item) => !isHeld(item.message));
        if (items.length === 0) continue;
        options.signal?.throwIfAborted();
        try {
          await sendBatchCompletely(this.producer(), { topicMessages: groupByTopic(items), acks: -1, compression: this.compression }, {
            onUnsent: this.onUnsent,
          });
          this.acknowledged(items);
          for (const { message } of items) outcomes.set(message.id, { id: message.id, ok: true });
        } catch (error) {
          if (!isPermanentBrokerError(error)) throw error;
          await this.replaceProducer?.(`a produce request was rejected: ${describeError(error)}`);
          // Record by record, in order, to tell the poison records from the good ones. A record
          // the broker had already appended from the rejected request goes again (at-least-once).
          for (const item of items) {
            if (isHeld(item.message)) continue;
            options.signal?.throwIfAborted();
            try {
              await this.producer().send({ topic: item.message.topic, messages: [item.record], acks: -1, compression: this.compression });
              this.acknowledged([item]);
              outcomes.set(item.message.id, { id: item.message.id, ok: true });
            } catch (recordError) {
              if (!isPermanentBrokerError(recordError)) throw recordError;
              fail(item.message, describeError(recordError));
            }
          }
        }
      }
    });
    return batch.map((m) => outcomes.get(m.id) as PublishOutcome);
  }

  private acknowledged(items: readonly Item[]): void {
    if (!this.onAcknowledged) return;
    const at = monotonicMs();
    this.onAcknowledged(
      items.map((item) => item.message),
      at,
    );
  }

  /** Consecutive slices of at most maxRequestBytes (a record larger than that goes alone). */
  private *requests(items: Item[]): Generator<Item[]> {
    let current: Item[] = [];
    let bytes = 0;
    for (const item of items) {
      if (current.length > 0 && bytes + item.size > this.maxRequestBytes) {
        yield current;
        current = [];
        bytes = 0;
      }
      current.push(item);
      bytes += item.size;
    }
    if (current.length > 0) yield current;
  }
}

function groupByTopic(items: Item[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const { message, record } of items) {
    let list = byTopic.get(message.topic);
    if (!list) {
      list = [];
      byTopic.set(message.topic, list);
    }
    list.push(record);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
