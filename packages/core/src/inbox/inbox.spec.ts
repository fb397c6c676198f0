import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { Outbox } from '../outbox.js';
import type { SqlStatement, TransactionHandle, TransactionPort } from '../ports.js';
import { Inbox } from './inbox.js';
import type { ConsumedRecord } from './consumed-record.js';

/** A port whose "database" is a receipt set; the batch statement returns the ids it inserted. */
class ReceiptPort implements TransactionPort<null> {
  receipts = new Set<string>();
  statements: SqlStatement[] = [];
  rolledBack = 0;
  async runInTransaction<T>(work: (handle: TransactionHandle<null>) => Promise<T>): Promise<T> {
    const added = new Set<string>();
    const handle: TransactionHandle<null> = {
      client: null,
      executor: {
        query: async <Row>(statement: SqlStatement) => {
          this.statements.push(statement);
          const rows: Array<{ message_id: string }> = [];
          for (const id of statement.values[1] as string[]) {
            if (this.receipts.has(id) || added.has(id)) continue;
            added.add(id);
            rows.push({ message_id: id });
          }
          return rows as Row[];
        },
        execute: async () => 1,
      },
    };
    try {
      const result = await work(handle);
      for (const id of added) this.receipts.add(id);
      return result;
    } catch (error) {
      this.rolledBack += 1;
      throw error;
    }
  }
}

const record = (id: string, offset: number): ConsumedRecord => ({ topic: 't', partition: 0, message: { offset: String(offset), headers: { 'outboxkit-message-id': id } } });

describe('Inbox.handleBatch', () => {
  it('records a batch with one statement and runs handlers only for new ids, once each', async () => {
    const port = new ReceiptPort();
    port.receipts.add('old');
    const inbox = new Inbox(new Outbox(port, { logger: silentLogger, registerAsDefault: false }), { consumerGroup: 'g' });
    const ran: string[] = [];
    const outcome = await inbox.handleBatch([{ record: record('a', 0) }, { record: record('old', 1) }, { record: record('a', 2) }, { record: record('b', 3) }], async ({ messageId }) => {
      ran.push(messageId);
    });
    expect(outcome).toEqual({ ok: true, results: ['processed', 'duplicate', 'duplicate', 'processed'] });
    expect(ran).toEqual(['a', 'b']);
    expect(port.statements).toHaveLength(1);
    expect(port.statements[0]!.values.slice(0, 2)).toEqual(['g', ['a', 'old', 'a', 'b']]);
    expect(inbox.stats).toEqual({ processed: 2, duplicates: 2 });
  });

  it('rolls the whole batch back when a handler throws and names the failed record', async () => {
    const port = new ReceiptPort();
    const inbox = new Inbox(new Outbox(port, { logger: silentLogger, registerAsDefault: false }), { consumerGroup: 'g' });
    const boom = new Error('boom');
    const outcome = await inbox.handleBatch([{ record: record('a', 0) }, { record: record('b', 1), messageId: 'custom' }], async ({ messageId }) => {
      if (messageId === 'custom') throw boom;
    });
    expect(outcome).toEqual({ ok: false, failedIndex: 1, error: boom });
    expect(port.rolledBack).toBe(1);
    expect(port.receipts.size).toBe(0);
    expect(inbox.stats).toEqual({ processed: 0, duplicates: 0 });
  });
});
