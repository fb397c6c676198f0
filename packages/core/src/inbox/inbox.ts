import { InvalidConfigError, NoActiveTransactionError } from '../errors.js';
import { TypedEvents } from '../events.js';
import type { Outbox } from '../outbox.js';
import { recordInboxReceipt } from '../sql/record-inbox-receipt.js';
import { currentScope } from '../transaction/ambient-transaction.js';
import { messageIdFromHeader, requireMessageId, type ConsumedRecord, type MessageIdExtractor } from './consumed-record.js';

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
    if (typeof options.consumerGroup !== 'string' || options.consumerGroup.length === 0) {
      throw new InvalidConfigError('consumerGroup', 'is required: receipts are recorded per consumer group');
    }
    this.extract = options.messageId ?? messageIdFromHeader;
    this.events = new TypedEvents<InboxEvents>(outbox.settings.logger);
  }

  get stats(): { processed: number; duplicates: number } {
    return { processed: this.processedCount, duplicates: this.duplicateCount };
  }

  async handle(record: ConsumedRecord, handler: (context: InboxContext<TClient>) => Promise<void>): Promise<InboxResult> {
    const messageId = requireMessageId(record, this.extract);
    const { consumerGroup } = this.options;
    const result = await this.outbox.transaction(async () => {
      const scope = currentScope();
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
    });
    if (result === 'duplicate') {
      this.duplicateCount += 1;
      this.events.emit('inbox:duplicate', { consumerGroup, messageId, topic: record.topic });
    } else {
      this.processedCount += 1;
      this.events.emit('inbox:processed', { consumerGroup, messageId, topic: record.topic });
    }
    return result;
  }
}
