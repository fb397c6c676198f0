import { NoActiveTransactionError } from '../errors.js';
import { TypedEvents } from '../events.js';
import type { Outbox } from '../outbox.js';
import type { TransactionOptions } from '../ports.js';
import { recordInboxReceipt } from '../sql/record-inbox-receipt.js';
import { recordInboxReceipts } from '../sql/record-inbox-receipts.js';
import { currentScope } from '../transaction/ambient-transaction.js';
import { checkConsumerGroup } from './consumer-group.js';
import { messageIdFromHeader, requireMessageId, type ConsumedRecord, type MessageIdExtractor } from './consumed-record.js';
import { storableDedupeKey } from './dedupe-key-encoding.js';

export interface InboxOptions {
  /** The consumer group the receipts belong to; dedupe is per group. */
  consumerGroup: string;
  /** How to find a record's message id. Default: the outboxkit message-id header. */
  messageId?: MessageIdExtractor;
}

export interface InboxEvents {
  'inbox:processed': { consumerGroup: string; messageId: string; topic: string };
  'inbox:duplicate': { consumerGroup: string; messageId: string; topic: string };
}

export type InboxResult = 'processed' | 'duplicate';

export interface InboxHandleOptions {
  /**
   * The dedupe key, when the caller resolved it already (`resolveDedupeKey`, `encodeDedupeKey`).
   * Stored as it is when it can be; one that cannot (a NUL, a lone surrogate, over 1024 bytes)
   * is encoded like a raw id. Default: `encodeDedupeKey` of what the inbox's extractor finds.
   */
  messageId?: string;
  /** Options of the transaction the receipt and the handler share. */
  transaction?: TransactionOptions;
}

/** One record of a batch, with its dedupe key when the caller resolved it already. */
export interface InboxBatchItem {
  record: ConsumedRecord;
  messageId?: string;
}

/**
 * A batch either committed as a whole (`results` in input order), or a handler threw and the
 * whole transaction rolled back: nothing of the batch was recorded, `failedIndex` says whose.
 */
export type InboxBatchOutcome = { ok: true; results: InboxResult[] } | { ok: false; failedIndex: number; error: unknown };

export interface InboxContext<TClient> {
  messageId: string;
  record: ConsumedRecord;
  /** The transaction-bound client (a Prisma transaction client). */
  tx: TClient;
}

/**
 * Runs a consumer's handler at most once per message id: the receipt insert and the handler's
 * writes share one transaction, so either both commit or neither does, and a redelivered record
 * finds its receipt and is skipped.
 */
export class Inbox<TClient = unknown> {
  readonly events: TypedEvents<InboxEvents>;
  private processedCount = 0;
  private duplicateCount = 0;
  private readonly extract: MessageIdExtractor;

  constructor(
    private readonly outbox: Outbox<TClient>,
    private readonly options: InboxOptions,
  ) {
    checkConsumerGroup(options.consumerGroup, 'consumerGroup');
    this.extract = options.messageId ?? messageIdFromHeader;
    this.events = new TypedEvents<InboxEvents>(outbox.settings.logger);
  }

  get stats(): { processed: number; duplicates: number } {
    return { processed: this.processedCount, duplicates: this.duplicateCount };
  }

  async handle(
    record: ConsumedRecord,
    handler: (context: InboxContext<TClient>) => Promise<void>,
    options: InboxHandleOptions = {},
  ): Promise<InboxResult> {
    const messageId = options.messageId === undefined ? requireMessageId(record, this.extract) : storableDedupeKey(options.messageId);
    const { consumerGroup } = this.options;
    const result = await this.outbox.transaction(async () => {
      const scope = currentScope(this.outbox);
      if (!scope) throw new NoActiveTransactionError('record an inbox receipt');
      const inserted = await scope.handle.executor.execute(
        recordInboxReceipt(this.outbox.settings.tables.inbox, {
          consumerGroup,
          messageId,
          topic: record.topic,
          partition: record.partition,
          offset: record.message.offset,
        }),
      );
      if (inserted === 0) return 'duplicate' as const;
      await handler({ messageId, record, tx: scope.handle.client as TClient });
      return 'processed' as const;
    }, options.transaction);
    this.count(result, messageId, record.topic);
    return result;
  }

  /**
   * Handles a batch in ONE transaction: one statement records every receipt and returns the ids
   * that were new, then the handlers of the new records run in input order. A record whose id was
   * received before, or appears earlier in the same batch, is a duplicate and its handler does not
   * run. If a handler throws, the whole transaction rolls back and the outcome names the record;
   * the caller decides how to go on (the consumer helper re-runs the records before it, sends the
   * failed one to its retry topic and continues after it).
   */
  async handleBatch(
    items: readonly InboxBatchItem[],
    handler: (context: InboxContext<TClient>, index: number) => Promise<void>,
    options: TransactionOptions = {},
  ): Promise<InboxBatchOutcome> {
    if (items.length === 0) return { ok: true, results: [] };
    const { consumerGroup } = this.options;
    const ids = items.map((item) => (item.messageId === undefined ? requireMessageId(item.record, this.extract) : storableDedupeKey(item.messageId)));
    let failure: { index: number; error: unknown } | undefined;
    try {
      const results = await this.outbox.transaction(async () => {
        const scope = currentScope(this.outbox);
        if (!scope) throw new NoActiveTransactionError('record inbox receipts');
        const receipts = items.map(({ record }, index) => ({
          messageId: ids[index]!,
          topic: record.topic,
          partition: record.partition,
          offset: record.message.offset,
        }));
        const rows = await scope.handle.executor.query<{ message_id: string }>(
          recordInboxReceipts(this.outbox.settings.tables.inbox, consumerGroup, receipts),
        );
        const fresh = new Set(rows.map((row) => row.message_id));
        const outcome: InboxResult[] = [];
        for (const [index, item] of items.entries()) {
          const messageId = ids[index]!;
          // delete(): a second record with the same id in this batch is a duplicate.
          if (!fresh.delete(messageId)) {
            outcome.push('duplicate');
            continue;
          }
          try {
            await handler({ messageId, record: item.record, tx: scope.handle.client as TClient }, index);
          } catch (error) {
            failure = { index, error };
            throw error;
          }
          outcome.push('processed');
        }
        return outcome;
      }, options);
      results.forEach((result, index) => this.count(result, ids[index]!, items[index]!.record.topic));
      return { ok: true, results };
    } catch (error) {
      if (failure) return { ok: false, failedIndex: failure.index, error: failure.error };
      throw error;
    }
  }

  private count(result: InboxResult, messageId: string, topic: string): void {
    const { consumerGroup } = this.options;
    if (result === 'duplicate') {
      this.duplicateCount += 1;
      this.events.emit('inbox:duplicate', { consumerGroup, messageId, topic });
    } else {
      this.processedCount += 1;
      this.events.emit('inbox:processed', { consumerGroup, messageId, topic });
    }
  }
}
