import type { ConsumedRecord } from '@outboxkit/core';
import {
  deadLetterHeaders,
  retryHeaders,
  type DeadLetterReason,
  type DeliveryInfo,
  type FailureDecision,
} from '@outboxkit/core/internal';
import type { CompressionTypes, Message, Producer } from 'kafkajs';

/** A consumed record on its way to the retry or dead-letter topic. */
export interface RoutedRecord {
  /** As this delivery brought it. */
  raw: ConsumedRecord;
  /** Where it was first consumed, and its retries so far. */
  origin: DeliveryInfo;
  dedupeKey: string;
}

export type RetryDecision = Extract<FailureDecision, { action: 'retry' }>;

export interface FailureRouterOptions {
  consumerGroup: string;
  retryTopic: string;
  deadLetterTopic: string;
  /** Partitions of the retry topic; level n waits on partition (n - 1) mod this. */
  retryPartitions: () => number;
  /** Compression of the retry and dead-letter records. Default none. */
  compression?: CompressionTypes;
  now?: () => number;
}

/**
 * Sends failed records on: to the retry topic, on the partition of their delay level (RocketMQ's
 * SCHEDULE_TOPIC keeps one queue per level the same way, so each partition is in due-time order),
 * or to the dead-letter topic with the error. Each send waits for acks from all in-sync replicas;
 * only then may the consumer commit the record's offset.
 */
export class FailureRouter {
  private readonly now: () => number;

  constructor(
    private readonly producer: Producer,
    private readonly options: FailureRouterOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async retry(record: RoutedRecord, decision: RetryDecision, error: unknown): Promise<void> {
    const message: Message = {
      key: record.raw.message.key ?? null,
      value: record.raw.message.value ?? null,
      partition: (decision.delayLevel - 1) % Math.max(1, this.options.retryPartitions()),
      headers: retryHeaders(record.raw.message.headers, {
        origin: record.origin,
        consumerGroup: this.options.consumerGroup,
        dedupeKey: record.dedupeKey,
        error,
        reconsumeTimes: decision.reconsumeTimes,
        dueAt: decision.dueAt,
        delayLevel: decision.delayLevel,
      }),
    };
    await this.producer.send({ topic: this.options.retryTopic, acks: -1, compression: this.options.compression, messages: [message] });
  }

  async deadLetter(record: RoutedRecord, reason: DeadLetterReason, reconsumeTimes: number, error: unknown): Promise<void> {
    const message: Message = {
      key: record.raw.message.key ?? null,
      value: record.raw.message.value ?? null,
      headers: deadLetterHeaders(record.raw.message.headers, {
        origin: record.origin,
        consumerGroup: this.options.consumerGroup,
        dedupeKey: record.dedupeKey,
        error,
        reason,
        reconsumeTimes,
        at: this.now(),
      }),
    };
    await this.producer.send({ topic: this.options.deadLetterTopic, acks: -1, compression: this.options.compression, messages: [message] });
  }
}
