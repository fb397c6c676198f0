import { describe, expect, it } from 'vitest';
import {
  NonRetryableError,
  silentLogger,
  type ConsumedRecord,
  type InboxHandlerContext,
} from '@outboxkit/core';
import {
  CONSUMER_HEADERS,
  TypedEvents,
  type InboxBatchItem,
  type InboxBatchOutcome,
  type InboxContext,
  type InboxResult,
} from '@outboxkit/core/internal';
import type { KafkaMessage } from 'kafkajs';
import { BatchProcessor, type BatchPayload } from './batch-processor.js';
import type { InboxConsumerEvents } from './inbox-consumer-events.js';
import { resolveInboxConsumerSettings, type InboxConsumerMode } from './inbox-consumer-settings.js';
import { Slots } from './slots.js';

/** An inbox over an in-memory receipt set: a failed "transaction" keeps nothing. */
class FakeInbox {
  receipts = new Set<string>();
  transactions = 0;
  async handle(record: ConsumedRecord, handler: (c: InboxContext<null>) => Promise<void>, options: { messageId?: string } = {}): Promise<InboxResult> {
    const outcome = await this.handleBatch([{ record, messageId: options.messageId! }], (c) => handler(c));
    if (!outcome.ok) throw outcome.error;
    return outcome.results[0]!;
  }
  async handleBatch(items: readonly InboxBatchItem[], handler: (c: InboxContext<null>, i: number) => Promise<void>): Promise<InboxBatchOutcome> {
    this.transactions += 1;
    const added = new Set<string>();
    const results: InboxResult[] = [];
    for (const [index, item] of items.entries()) {
      const id = item.messageId!;
      if (this.receipts.has(id) || added.has(id)) {
        results.push('duplicate');
        continue;
      }
      added.add(id);
      try {
        await handler({ messageId: id, record: item.record, tx: null }, index);
      } catch (error) {
        return { ok: false, failedIndex: index, error };
      }
      results.push('processed');
    }
    for (const id of added) this.receipts.add(id);
    return { ok: true, results };
  }
}

function message(offset: number, id: string | undefined, value: string, extra: Record<string, string> = {}): KafkaMessage {
  const headers: Record<string, Buffer> = {};
  if (id) headers['outboxkit-message-id'] = Buffer.from(id);
  for (const [k, v] of Object.entries(extra)) headers[k] = Buffer.from(v);
  return { offset: String(offset), key: null, value: Buffer.from(value), headers, timestamp: '0', attributes: 0 } as unknown as KafkaMessage;
}

function setup(mode: InboxConsumerMode, handle: (ctx: InboxHandlerContext) => Promise<void>, now = 1_000, concurrency = 1) {
  const settings = resolveInboxConsumerSettings({
    outbox: { settings: { logger: silentLogger } } as never,
    groupId: 'g',
    brokers: ['x:1'],
    mode,
    batchSize: 10,
    topics: ['orders'],
    handler: handle,
    retry: { delayLevels: [100, 200], firstDelayLevel: 1, maxReconsumeTimes: 2 },
    logger: silentLogger,
  });
  const inbox = new FakeInbox();
  const routed: Array<{ to: string; id: string; reconsumeTimes?: number; reason?: string }> = [];
  const paused: Array<{ topic: string; dueAt: number }> = [];
  const events = new TypedEvents<InboxConsumerEvents>(silentLogger);
  const committed: string[] = [];
  events.on('consumer:committed', ({ records }) => committed.push(records.map((r) => `${r.messageId}:${r.result}`).join(',')));
  const stats = { processed: 0, duplicates: 0, retried: 0, deadLettered: 0, failures: 0 };
  const processor = new BatchProcessor<null>({
    settings,
    inbox: inbox as never,
    router: {
      async retry(record, decision) {
        routed.push({ to: 'retry', id: record.dedupeKey, reconsumeTimes: decision.reconsumeTimes });
      },
      async deadLetter(record, reason, reconsumeTimes) {
        routed.push({ to: 'dlq', id: record.dedupeKey, reason, reconsumeTimes });
      },
    },
    events,
    stats,
    slots: new Slots(concurrency),
    pauseUntil: (topic, _partition, dueAt) => paused.push({ topic, dueAt }),
    now: () => now,
  });
  // The offsets the processor resolved, as the next offset to read (what kafkajs then commits).
  const offsets: string[] = [];
  const payload = (topic: string, messages: KafkaMessage[]): BatchPayload => ({
    batch: { topic, partition: 0, messages },
    resolveOffset: (offset) => {
      offsets.push(String(Number(offset) + 1));
    },
    heartbeat: async () => undefined,
    isRunning: () => true,
    isStale: () => false,
    pause: () => () => undefined,
  });
  return { processor, inbox, routed, paused, committed, offsets, stats, payload };
}

describe('BatchProcessor', () => {
  it('batch mode: one transaction for the batch, duplicates within it skipped, offset committed after', async () => {
    const seen: string[] = [];
    const { processor, inbox, committed, offsets, payload } = setup('batch', async (ctx) => {
      seen.push(ctx.messageId);
    });
    await processor.process(payload('orders', [message(0, 'a', '1'), message(1, 'a', '1'), message(2, 'b', '2')]));
    expect(seen).toEqual(['a', 'b']);
    expect(inbox.transactions).toBe(1);
    expect(committed).toEqual(['a:processed,a:duplicate,b:processed']);
    expect(offsets).toEqual(['3']);
  });

  it('batch mode: a failing handler splits the batch; the others commit once, the failed one is retried', async () => {
    const seen: string[] = [];
    const { processor, routed, committed, offsets, stats, payload } = setup('batch', async (ctx) => {
      seen.push(ctx.messageId);
      if (ctx.messageId === 'b') throw new Error('b fails');
    });
    await processor.process(payload('orders', [message(0, 'a', '1'), message(1, 'b', '2'), message(2, 'c', '3')]));
    expect(routed).toEqual([{ to: 'retry', id: 'b', reconsumeTimes: 1 }]);
    expect(committed).toEqual(['a:processed', 'c:processed']);
    expect(offsets).toEqual(['1', '2', '3']);
    expect(stats).toMatchObject({ processed: 2, retried: 1, failures: 1 });
    expect(seen).toEqual(['a', 'b', 'a', 'c']);
  });

  it('message mode: one transaction per record, same effects', async () => {
    const { processor, inbox, committed, routed, payload } = setup('message', async (ctx) => {
      if (ctx.messageId === 'b') throw new Error('b fails');
    });
    await processor.process(payload('orders', [message(0, 'a', '1'), message(1, 'a', '1'), message(2, 'b', '2'), message(3, 'c', '3')]));
    expect(inbox.transactions).toBe(4);
    expect(committed).toEqual(['a:processed', 'a:duplicate', 'c:processed']);
    expect(routed).toEqual([{ to: 'retry', id: 'b', reconsumeTimes: 1 }]);
  });

  it('message mode with concurrency: keys overlap, one key never does; a failed record is routed before the next of its key runs', async () => {
    const log: string[] = [];
    const active = new Set<string>();
    let overlapOfOneKey = false;
    let maxActive = 0;
    const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const keyed = (offset: number, id: string, key: string, value = '1') => ({ ...message(offset, id, value), key: Buffer.from(key) }) as KafkaMessage;
    const { processor, routed, committed, offsets, stats, payload } = setup(
      'message',
      async (ctx) => {
        if (active.has(ctx.key!)) overlapOfOneKey = true;
        active.add(ctx.key!);
        maxActive = Math.max(maxActive, active.size);
        log.push(`start:${ctx.messageId}`);
        await delay(ctx.key === 'a' ? 5 : 1);
        active.delete(ctx.key!);
        if (ctx.messageId === 'a1') throw new Error('a1 fails');
        if (ctx.messageId === 'c1') throw new NonRetryableError('c1 refused');
      },
      1_000,
      4,
    );
    const routedAt: Record<string, number> = {};
    const realRetry = routed.push.bind(routed);
    routed.push = (...items) => {
      for (const item of items) routedAt[item.id] = log.push(`routed:${item.id}`);
      return realRetry(...items);
    };
    await processor.process(
      payload('orders', [keyed(0, 'a1', 'a'), keyed(1, 'b1', 'b'), keyed(2, 'a2', 'a'), keyed(3, 'c1', 'c'), keyed(4, 'b2', 'b'), keyed(5, 'x', 'c', '{nope')]),
    );
    expect(overlapOfOneKey).toBe(false);
    expect(maxActive).toBeGreaterThan(1);
    // a2 started only after a1 went to the retry topic; x (undecodable, key c) only after c1's dead letter.
    expect(log.indexOf('routed:a1')).toBeLessThan(log.indexOf('start:a2'));
    expect(log.indexOf('routed:c1')).toBeLessThan(log.indexOf('routed:x'));
    expect(routed).toEqual(
      expect.arrayContaining([
        { to: 'retry', id: 'a1', reconsumeTimes: 1 },
        { to: 'dlq', id: 'c1', reason: 'non-retryable', reconsumeTimes: 0 },
        { to: 'dlq', id: 'x', reason: 'undecodable', reconsumeTimes: 0 },
      ]),
    );
    expect(committed.sort()).toEqual(['a2:processed', 'b1:processed', 'b2:processed']);
    // Resolved offsets rise and end after the last record.
    expect(offsets.map(Number)).toEqual([...offsets.map(Number)].sort((x, y) => x - y));
    expect(offsets.at(-1)).toBe('6');
    expect(stats).toMatchObject({ processed: 3, retried: 1, deadLettered: 2, failures: 2 });
  });

  it('dead-letters undecodable and non-retryable records at once and keeps going', async () => {
    const { processor, routed, committed, offsets, payload } = setup('batch', async (ctx) => {
      if (ctx.messageId === 'c') throw new NonRetryableError('no such sku');
    });
    await processor.process(payload('orders', [message(0, 'a', '1'), message(1, 'b', '{nope'), message(2, 'c', '3'), message(3, 'd', '4')]));
    expect(routed).toEqual([
      { to: 'dlq', id: 'b', reason: 'undecodable', reconsumeTimes: 0 },
      { to: 'dlq', id: 'c', reason: 'non-retryable', reconsumeTimes: 0 },
    ]);
    expect(committed).toEqual(['a:processed', 'd:processed']);
    expect(offsets).toEqual(['1', '2', '3', '4']);
  });

  it('retry topic: runs due records with their attempt, pauses at the first one not due, dead-letters after max', async () => {
    const attempts: number[] = [];
    const { processor, routed, paused, offsets, payload } = setup(
      'batch',
      async (ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.messageId === 'x') throw new Error('still failing');
      },
      1_000,
    );
    const retried = (offset: number, id: string, reconsumeTimes: number, dueAt: number) =>
      message(offset, id, '1', {
        [CONSUMER_HEADERS.reconsumeTimes]: String(reconsumeTimes),
        [CONSUMER_HEADERS.dueAt]: new Date(dueAt).toISOString(),
        [CONSUMER_HEADERS.originalTopic]: 'orders',
        [CONSUMER_HEADERS.originalPartition]: '0',
        [CONSUMER_HEADERS.originalOffset]: String(offset + 100),
      });
    await processor.process(payload('g.retry', [retried(0, 'ok', 1, 900), retried(1, 'x', 2, 1_000), retried(2, 'later', 1, 5_000)]));
    // 'ok' and 'x' shared a transaction; x failed, so 'ok' ran again without it.
    expect(attempts).toEqual([2, 3, 2]);
    expect(routed).toEqual([{ to: 'dlq', id: 'x', reason: 'max-reconsume-times', reconsumeTimes: 2 }]);
    expect(paused).toEqual([{ topic: 'g.retry', dueAt: 5_000 }]);
    expect(offsets).toEqual(['1', '2']);
  });
});
