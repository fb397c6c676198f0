import type { Publisher, PublishOutcome, StoredMessage } from '@outboxkit/core';
import type { Message, Producer, TopicMessages } from 'kafkajs';
import { describeError, isPermanentBrokerError } from './broker-errors.js';
import { recordSize, toKafkaRecord } from './kafka-record.js';

export interface KafkaPublisherOptions {
  /** Largest record sent, bytes; bigger ones are parked as DEAD without a round trip. Default 1,048,576. */
  maxRecordBytes?: number;
}

/**
 * Publishes a batch in ONE produce request (kafkajs does not batch on its own). Records of one
 * key keep their order: they go to one partition, in batch order, through an idempotent producer
 * with one request in flight.
 *
 * When the broker rejects the batch for good (a record too large, a bad topic) the batch is
 * replayed record by record to find the poison ones, which are reported as permanent failures;
 * a transient failure (broker down) throws, and the relay retries the whole batch later.
 */
export class KafkaPublisher implements Publisher {
  private readonly maxRecordBytes: number;

  constructor(
    private readonly producer: Producer,
    options: KafkaPublisherOptions = {},
  ) {
    this.maxRecordBytes = options.maxRecordBytes ?? 1_048_576;
  }

  async publish(batch: readonly StoredMessage[]): Promise<PublishOutcome[]> {
    const outcomes = new Map<string, PublishOutcome>();
    const sendable: Array<{ message: StoredMessage; record: Message }> = [];
    for (const message of batch) {
      const record = toKafkaRecord(message);
      const size = recordSize(record);
      if (size > this.maxRecordBytes) {
        outcomes.set(message.id, {
          id: message.id,
          ok: false,
          permanent: true,
          error: `MESSAGE_TOO_LARGE: record of ${size} bytes exceeds maxRecordBytes ${this.maxRecordBytes}`,
        });
      } else {
        sendable.push({ message, record });
      }
    }

    if (sendable.length > 0) {
      try {
        await this.producer.sendBatch({ topicMessages: groupByTopic(sendable), acks: -1 });
        for (const { message } of sendable) outcomes.set(message.id, { id: message.id, ok: true });
      } catch (error) {
        if (!isPermanentBrokerError(error)) throw error;
        await this.isolatePoison(sendable, outcomes);
      }
    }
    return batch.map((m) => outcomes.get(m.id) as PublishOutcome);
  }

  /** Sends one record at a time, in order, to tell poison records from good ones. */
  private async isolatePoison(
    items: Array<{ message: StoredMessage; record: Message }>,
    outcomes: Map<string, PublishOutcome>,
  ): Promise<void> {
    for (const { message, record } of items) {
      try {
        await this.producer.send({ topic: message.topic, messages: [record], acks: -1 });
        outcomes.set(message.id, { id: message.id, ok: true });
      } catch (error) {
        if (!isPermanentBrokerError(error)) throw error;
        outcomes.set(message.id, { id: message.id, ok: false, permanent: true, error: describeError(error) });
      }
    }
  }
}

function groupByTopic(items: Array<{ message: StoredMessage; record: Message }>): TopicMessages[] {
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
