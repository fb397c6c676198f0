import { MessageDecodeError, type ConsumedRecord, type InboxHandlerContext } from '@outboxkit/core';
import {
  decideAfterFailure,
  decodeValue,
  describeError,
  readDeliveryInfo,
  resolveDedupeKey,
  type DeadLetterReason,
  type DedupeKey,
  type Inbox,
  type InboxBatchOutcome,
  type InboxContext,
  type TypedEvents,
} from '@outboxkit/core/internal';
import type { KafkaMessage } from 'kafkajs';
import type { RetryDecision, RoutedRecord } from './failure-router.js';
import type { InboxConsumerEvents, InboxConsumerStats } from './inbox-consumer-events.js';
import type { ResolvedHandler, ResolvedInboxConsumerSettings } from './inbox-consumer-settings.js';
import { runKeyOrdered } from './run-key-ordered.js';
import type { Slots } from './slots.js';

/**
 * The slice of kafkajs's EachBatchPayload the processor uses (a fake in unit specs). It only
 * resolves offsets; the OffsetCommitter commits them (offset-committer.ts).
 */
export interface BatchPayload {
  batch: { topic: string; partition: number; messages: KafkaMessage[] };
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  isStale(): boolean;
  pause(): () => void;
}

export interface BatchProcessorDeps<TClient> {
  settings: ResolvedInboxConsumerSettings;
  inbox: Pick<Inbox<TClient>, 'handle' | 'handleBatch'>;
  router: {
    retry(record: RoutedRecord, decision: RetryDecision, error: unknown): Promise<void>;
    deadLetter(record: RoutedRecord, reason: DeadLetterReason, reconsumeTimes: number, error: unknown): Promise<void>;
  };
  events: TypedEvents<InboxConsumerEvents>;
  stats: InboxConsumerStats;
  /** Bounds the message-mode transactions in flight, across all partitions of the consumer. */
  slots: Slots;
  /** Pauses the partition (through `pause`) until `dueAt`, then resumes it. */
  pauseUntil(topic: string, partition: number, dueAt: number, pause: () => () => void): void;
  now(): number;
}

interface ReadyItem extends RoutedRecord {
  kind: 'ready';
  /** The record with its ORIGINAL topic/partition/offset: what the inbox receipt records. */
  effective: ConsumedRecord;
  dedupe: DedupeKey;
  handler: ResolvedHandler;
  value: unknown;
}

type DeadItem = RoutedRecord & { kind: 'dead'; reason: DeadLetterReason; error: unknown };
type Prepared = ReadyItem | DeadItem | { kind: 'not-due'; dueAt: number };

/** What to do once a record is finished for good (committed, or routed to retry / dead letters). */
type Settle = (raw: ConsumedRecord) => Promise<void>;

/**
 * Processes one fetched batch of one partition, in offset order:
 *
 * - a retry-topic record that is not yet due pauses the partition until it is, and ends the batch
 *   unresolved (other partitions and topics keep flowing; the record is fetched again on resume);
 * - an undecodable record, or one without a handler, goes to the dead-letter topic at once;
 * - the others run through the inbox: in `batch` mode up to `batchSize` records share one
 *   transaction (one dedupe statement), one segment after the other, in offset order; in
 *   `message` mode each has its own transaction, and records of different keys run concurrently
 *   (up to `concurrency` at once, per-key order kept: run-key-ordered.ts);
 * - a handler failure rolls its transaction back; the records before it are run again without it,
 *   it goes to the retry (or dead-letter) topic, and processing continues after it.
 *
 * The offset of a record is resolved only after its transaction committed, or after the retry
 * or dead-letter topic acknowledged it, and never past a record that has not (the consumer
 * commits resolved offsets periodically: offset-committer.ts). Anything else that fails (database, Kafka) is thrown:
 * kafkajs fetches the batch again from the last resolved offset, and the inbox skips what had
 * committed.
 */
export class BatchProcessor<TClient> {
  constructor(private readonly deps: BatchProcessorDeps<TClient>) {}

  async process(payload: BatchPayload): Promise<void> {
    if (this.deps.settings.mode === 'message') return this.processByKey(payload);
    const { settings } = this.deps;
    const { topic, partition } = payload.batch;
    const fromRetryTopic = topic === settings.retryTopic;
    const settle: Settle = async (raw) => {
      payload.resolveOffset(raw.message.offset);
      await payload.heartbeat();
    };
    let pending: ReadyItem[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const items = pending;
      pending = [];
      await this.runSegment(items, settle);
    };
    for (const message of payload.batch.messages) {
      if (!payload.isRunning() || payload.isStale()) return;
      const prepared = this.prepare({ topic, partition, message }, fromRetryTopic);
      if (prepared.kind === 'not-due') {
        await flush();
        this.deps.pauseUntil(topic, partition, prepared.dueAt, payload.pause);
        return;
      }
      if (prepared.kind === 'dead') {
        await flush();
        await this.deadLetter(prepared, prepared.reason, prepared.origin.reconsumeTimes, prepared.error);
        await settle(prepared.raw);
        continue;
      }
      pending.push(prepared);
      if (pending.length >= settings.batchSize) await flush();
    }
    await flush();
  }

  /**
   * Message mode: one transaction per record, records of different keys concurrently. A retry
   * record that is not due yet ends the batch there: the records before it run, then the
   * partition pauses until it is due.
   */
  private async processByKey(payload: BatchPayload): Promise<void> {
    const { topic, partition } = payload.batch;
    const fromRetryTopic = topic === this.deps.settings.retryTopic;
    const items: Array<ReadyItem | DeadItem> = [];
    let dueAt: number | undefined;
    for (const message of payload.batch.messages) {
      const prepared = this.prepare({ topic, partition, message }, fromRetryTopic);
      if (prepared.kind === 'not-due') {
        dueAt = prepared.dueAt;
        break;
      }
      items.push(prepared);
    }
    const canContinue = () => payload.isRunning() && !payload.isStale();
    const finished: Settle = async () => undefined;
    await runKeyOrdered({
      keys: items.map((item) => orderingKey(item.raw.message.key)),
      offsets: items.map((item) => item.raw.message.offset),
      slots: this.deps.slots,
      run: (index) => {
        const item = items[index]!;
        if (item.kind === 'dead') return this.deadLetter(item, item.reason, item.origin.reconsumeTimes, item.error);
        return this.runSegment([item], finished);
      },
      canContinue,
      advanced: (offset) => payload.resolveOffset(offset),
      heartbeat: () => payload.heartbeat(),
    });
    if (dueAt !== undefined && canContinue()) this.deps.pauseUntil(topic, partition, dueAt, payload.pause);
  }

  private prepare(raw: ConsumedRecord, fromRetryTopic: boolean): Prepared {
    const { settings } = this.deps;
    const origin = readDeliveryInfo(raw);
    if (!fromRetryTopic) {
      // Retry state only counts on the retry topic; a replayed record starts afresh.
      origin.reconsumeTimes = 0;
      origin.dueAt = undefined;
    } else if (origin.dueAt !== undefined && origin.dueAt > this.deps.now()) {
      return { kind: 'not-due', dueAt: origin.dueAt };
    }
    const effective: ConsumedRecord = { topic: origin.topic, partition: origin.partition, message: raw.message };
    const dedupe = resolveDedupeKey(effective, settings.messageId);
    const routed: RoutedRecord = { raw, origin, dedupeKey: dedupe.key };
    if (dedupe.extractorError !== undefined) {
      const error = new MessageDecodeError(`the messageId extractor failed: ${describeError(dedupe.extractorError)}`, { cause: dedupe.extractorError });
      return { ...routed, kind: 'dead', reason: 'undecodable', error };
    }
    const handler = settings.handlers.get(origin.topic);
    if (!handler) {
      const error = new Error(`consumer group ${settings.groupId} has no handler for topic "${origin.topic}"`);
      return { ...routed, kind: 'dead', reason: 'no-handler', error };
    }
    try {
      const value = decodeValue(handler.decode, effective);
      return { ...routed, kind: 'ready', effective, dedupe: { key: dedupe.key, source: dedupe.source }, handler, value };
    } catch (error) {
      return { ...routed, kind: 'dead', reason: 'undecodable', error };
    }
  }

  /** Runs items (consecutive records of one partition) in as few transactions as their handlers allow. */
  private async runSegment(items: ReadyItem[], settle: Settle): Promise<void> {
    let rest = items;
    while (rest.length > 0) {
      const outcome = await this.handle(rest);
      if (outcome.ok) {
        this.committed(rest, outcome.results);
        await settle(rest[rest.length - 1]!.raw);
        return;
      }
      const { failedIndex, error } = outcome;
      // The records before the failed one ran in the rolled-back transaction: run them again.
      if (failedIndex > 0) await this.runSegment(rest.slice(0, failedIndex), settle);
      const failed = rest[failedIndex]!;
      await this.fail(failed, error);
      await settle(failed.raw);
      rest = rest.slice(failedIndex + 1);
    }
  }

  private async handle(items: ReadyItem[]): Promise<InboxBatchOutcome> {
    const { inbox, settings } = this.deps;
    const run = (item: ReadyItem) => (context: InboxContext<TClient>) => item.handler.definition.handle(this.context(item, context.tx));
    if (settings.mode === 'batch') {
      return inbox.handleBatch(
        items.map((item) => ({ record: item.effective, messageId: item.dedupe.key })),
        (context, index) => run(items[index]!)(context),
        settings.transaction,
      );
    }
    const [item] = items as [ReadyItem];
    let handlerError: { error: unknown } | undefined;
    try {
      const result = await inbox.handle(
        item.effective,
        async (context) => {
          try {
            await run(item)(context);
          } catch (error) {
            handlerError = { error };
            throw error;
          }
        },
        { messageId: item.dedupe.key, transaction: settings.transaction },
      );
      return { ok: true, results: [result] };
    } catch (error) {
      if (handlerError) return { ok: false, failedIndex: 0, error: handlerError.error };
      throw error;
    }
  }

  private context(item: ReadyItem, tx: TClient): InboxHandlerContext<unknown, TClient> {
    const { origin } = item;
    const key = item.raw.message.key;
    return {
      value: item.value,
      messageId: item.dedupe.key,
      dedupeKeySource: item.dedupe.source,
      topic: origin.topic,
      partition: origin.partition,
      offset: origin.offset,
      key: key === null || key === undefined ? null : key.toString(),
      headers: stringHeaders(item.raw.message.headers),
      attempt: origin.reconsumeTimes + 1,
      reconsumeTimes: origin.reconsumeTimes,
      consumerGroup: this.deps.settings.groupId,
      record: item.raw,
      tx,
    };
  }

  private committed(items: ReadyItem[], results: Array<'processed' | 'duplicate'>): void {
    const { stats, events } = this.deps;
    for (const result of results) {
      if (result === 'processed') stats.processed += 1;
      else stats.duplicates += 1;
    }
    const { raw } = items[0]!;
    events.emit('consumer:committed', {
      topic: raw.topic,
      partition: raw.partition,
      records: items.map((item, index) => ({
        messageId: item.dedupe.key,
        topic: item.origin.topic,
        partition: item.origin.partition,
        offset: item.origin.offset,
        result: results[index]!,
        attempt: item.origin.reconsumeTimes + 1,
      })),
    });
  }

  private async fail(item: ReadyItem, error: unknown): Promise<void> {
    const { settings, router, events, stats } = this.deps;
    stats.failures += 1;
    const decision = decideAfterFailure(settings.policy, error, item.origin.reconsumeTimes, this.deps.now());
    if (decision.action === 'dead-letter') {
      await this.deadLetter(item, decision.reason, decision.reconsumeTimes, error);
      return;
    }
    await router.retry(item, decision, error);
    stats.retried += 1;
    settings.logger.warn('handler failed; record sent to the retry topic', {
      messageId: item.dedupeKey,
      topic: item.origin.topic,
      attempt: decision.reconsumeTimes,
      delayMs: decision.delayMs,
      error: describeError(error),
    });
    events.emit('consumer:retry', {
      messageId: item.dedupeKey,
      topic: item.origin.topic,
      reconsumeTimes: decision.reconsumeTimes,
      delayMs: decision.delayMs,
      dueAt: decision.dueAt,
      error,
    });
  }

  private async deadLetter(record: RoutedRecord, reason: DeadLetterReason, reconsumeTimes: number, error: unknown): Promise<void> {
    const { settings, router, events, stats } = this.deps;
    await router.deadLetter(record, reason, reconsumeTimes, error);
    stats.deadLettered += 1;
    settings.logger.error('record sent to the dead-letter topic', {
      messageId: record.dedupeKey,
      topic: record.origin.topic,
      partition: record.origin.partition,
      offset: record.origin.offset,
      reason,
      reconsumeTimes,
      error: describeError(error),
    });
    events.emit('consumer:dead-letter', { messageId: record.dedupeKey, topic: record.origin.topic, reason, reconsumeTimes, error });
  }
}

/**
 * The key message mode orders by. A null key is a key of its own (null-key records keep their
 * partition order among themselves); byte keys map 1:1 to latin1 strings, prefixed so that no
 * key collides with it.
 */
function orderingKey(key: Buffer | string | null | undefined): string {
  if (key === null || key === undefined) return '';
  return `k${typeof key === 'string' ? key : key.toString('latin1')}`;
}

function stringHeaders(headers: ConsumedRecord['message']['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = first.toString();
  }
  return result;
}
