import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import {
  HalfMessageAlreadyResolvedError,
  HalfMessageInTransactionError,
  InvalidMessageError,
  LocalTransactionFencedError,
  LocalTransactionRollback,
} from '../errors.js';
import { silentLogger } from '../logger.js';
import { Outbox } from '../outbox.js';
import type { SqlStatement, TransactionHandle, TransactionPort } from '../ports.js';
import { currentHalfMessage } from './half-message-context.js';
import { HalfMessage } from './half-message-decorator.js';
import { resolveHalf, sendHalf } from './send-half-message.js';

interface FakeRow {
  status: string;
  lastError: string | null;
  markerCheck: boolean;
  firstCheckInMs: number | null;
}

/**
 * An in-memory stand-in for the outbox and marker tables that understands the half-message
 * statements (by their text), with transactions that roll back their changes.
 */
class FakeHalfDatabase implements TransactionPort<object> {
  rows = new Map<string, FakeRow>();
  markers = new Set<string>();
  transactions = 0;

  async runInTransaction<T>(work: (handle: TransactionHandle<object>) => Promise<T>): Promise<T> {
    this.transactions += 1;
    const rows = new Map([...this.rows].map(([id, row]) => [id, { ...row }]));
    const markers = new Set(this.markers);
    try {
      return await work({
        client: {},
        executor: {
          query: async <Row>(s: SqlStatement) => this.run(s) as Row[],
          execute: async (s: SqlStatement) => {
            const result = this.run(s);
            return typeof result === 'number' ? result : result.length;
          },
        },
      });
    } catch (error) {
      this.rows = rows;
      this.markers = markers;
      throw error;
    }
  }

  private run({ text, values }: SqlStatement): number | Array<Record<string, unknown>> {
    const id = values[0] as string;
    const row = this.rows.get(id);
    if (text.startsWith('INSERT INTO') && text.includes("'HALF'")) {
      this.rows.set(id, { status: 'HALF', lastError: null, markerCheck: values[9] as boolean, firstCheckInMs: values[10] as number | null });
      return 1;
    }
    if (text.includes('(transaction_id) VALUES ($1) ON CONFLICT')) {
      if (this.markers.has(id)) return 0;
      this.markers.add(id);
      return 1;
    }
    if (text.includes("SET status = 'READY'") || text.includes("SET status = 'ROLLED_BACK'")) {
      if (!row || row.status !== 'HALF') return [];
      row.status = text.includes("'READY'") ? 'READY' : 'ROLLED_BACK';
      const note = (text.includes("'READY'") ? values[2] : values[1]) as string | null;
      if (note !== null) row.lastError = note;
      return [{ id }];
    }
    if (text.startsWith('SELECT status')) return row ? [{ status: row.status, parked: false }] : [];
    if (text.includes('SET last_error = $2')) {
      if (row?.status !== 'HALF') return 0;
      row.lastError = values[1] as string;
      return 1;
    }
    throw new Error(`unexpected statement: ${text}`);
  }
}

function setup() {
  const db = new FakeHalfDatabase();
  const outbox = new Outbox(db, { logger: silentLogger, registerAsDefault: false });
  const events: string[] = [];
  for (const name of ['half:written', 'half:resolved', 'half:undecided', 'half:conflict'] as const) {
    outbox.events.on(name, () => events.push(name));
  }
  return { db, outbox, events };
}

const message = { topic: 'payments.captured', key: 'order-1', value: { amount: 5 }, producerGroup: 'payments' };

describe('sendHalf (external local transaction)', () => {
  it('writes HALF first, runs the step, then commits by compare-and-set', async () => {
    const { db, outbox, events } = setup();
    let statusDuringStep: string | undefined;
    const result = await sendHalf(message, async (half) => {
      statusDuringStep = db.rows.get(half.messageId)?.status;
      expect(currentHalfMessage()).toEqual(half);
      return 'COMMIT';
    }, { outbox });
    expect(statusDuringStep).toBe('HALF');
    expect(result).toMatchObject({ localState: 'COMMIT', status: 'READY', producerGroup: 'payments', transactionId: result.messageId });
    expect(db.rows.get(result.messageId)?.status).toBe('READY');
    expect(events).toEqual(['half:written', 'half:resolved']);
  });

  it('takes a step that returns nothing as COMMIT, and uses the given transaction id', async () => {
    const { db, outbox } = setup();
    const result = await outbox.sendHalf({ ...message, transactionId: 'pay-7' }, async () => {});
    expect(result.transactionId).toBe('pay-7');
    expect(db.rows.get(result.messageId)?.status).toBe('READY');
  });

  it('rolls back on ROLLBACK and on LocalTransactionRollback', async () => {
    const { db, outbox } = setup();
    const returned = await outbox.sendHalf(message, async () => 'ROLLBACK');
    const thrown = await outbox.sendHalf(message, async () => {
      throw new LocalTransactionRollback('card declined');
    });
    expect(db.rows.get(returned.messageId)?.status).toBe('ROLLED_BACK');
    expect(thrown).toMatchObject({ localState: 'ROLLBACK', status: 'ROLLED_BACK' });
    expect(db.rows.get(thrown.messageId)?.lastError).toContain('card declined');
  });

  it('treats a throw as UNKNOWN: the row stays HALF with the error recorded, and nothing is thrown', async () => {
    const { db, outbox, events } = setup();
    const failure = new Error('provider timed out');
    const result = await outbox.sendHalf(message, async () => {
      throw failure;
    });
    expect(result).toMatchObject({ localState: 'UNKNOWN', status: 'HALF', error: failure });
    expect(db.rows.get(result.messageId)).toMatchObject({ status: 'HALF', markerCheck: false, firstCheckInMs: null });
    expect(db.rows.get(result.messageId)?.lastError).toBe('local transaction threw (UNKNOWN): Error: provider timed out');
    expect(events).toEqual(['half:written', 'half:undecided']);
  });

  it('rejects a late COMMIT after the checker rolled the message back, and accepts a repeat of the same decision', async () => {
    const { db, outbox, events } = setup();
    const late = sendHalf(message, async (half) => {
      db.rows.get(half.messageId)!.status = 'ROLLED_BACK'; // the checker decided meanwhile
      return 'COMMIT';
    }, { outbox });
    await expect(late).rejects.toBeInstanceOf(HalfMessageAlreadyResolvedError);
    await expect(late).rejects.toMatchObject({ attempted: 'COMMIT', currentStatus: 'ROLLED_BACK' });
    expect(events).toContain('half:conflict');

    const same = await outbox.sendHalf(message, async (half) => {
      db.rows.get(half.messageId)!.status = 'PUBLISHED'; // committed by the checker and already published
      return 'COMMIT';
    });
    expect(same.status).toBe('READY');
  });

  it('refuses to run inside a transaction, and a missing producer group, writing nothing', async () => {
    const { db, outbox } = setup();
    let ran = false;
    await expect(outbox.transaction(() => outbox.sendHalf(message, async () => void (ran = true)))).rejects.toBeInstanceOf(
      HalfMessageInTransactionError,
    );
    await expect(outbox.sendHalf({ ...message, producerGroup: '' }, async () => void (ran = true))).rejects.toBeInstanceOf(InvalidMessageError);
    expect(ran).toBe(false);
    expect(db.rows.size).toBe(0);
  });

  it('resolves later with resolveHalf, rejecting a conflicting decision', async () => {
    const { db, outbox } = setup();
    const { messageId } = await outbox.sendHalf(message, async () => 'UNKNOWN');
    await resolveHalf(messageId, 'ROLLBACK', { outbox });
    await resolveHalf(messageId, 'ROLLBACK', { outbox });
    expect(db.rows.get(messageId)?.status).toBe('ROLLED_BACK');
    await expect(resolveHalf(messageId, 'COMMIT', { outbox })).rejects.toBeInstanceOf(HalfMessageAlreadyResolvedError);
  });
});

describe('sendHalf (local transaction in the same database)', () => {
  it('writes the marker in the local transaction and commits; first check at the deadline', async () => {
    const { db, outbox } = setup();
    const result = await outbox.sendHalf(message, async () => undefined, { localTransaction: 'database', timeoutMs: 3000, maxWaitMs: 500 });
    expect(result).toMatchObject({ localState: 'COMMIT', status: 'READY' });
    expect(db.markers.has(result.transactionId)).toBe(true);
    expect(db.rows.get(result.messageId)).toMatchObject({ markerCheck: true, firstCheckInMs: 4500 });
  });

  it('rolls the half message back at once when the local transaction throws (the marker goes with it)', async () => {
    const { db, outbox } = setup();
    const result = await outbox.sendHalf(message, async () => {
      throw new Error('insufficient stock');
    }, { localTransaction: 'database' });
    expect(result).toMatchObject({ localState: 'ROLLBACK', status: 'ROLLED_BACK' });
    expect(db.markers.size).toBe(0);
  });

  it('does not run the local work when the back-check fenced its transaction id', async () => {
    const { db, outbox } = setup();
    db.markers.add('fenced-tx');
    let ran = false;
    const result = await outbox.sendHalf({ ...message, transactionId: 'fenced-tx' }, async () => void (ran = true), { localTransaction: 'database' });
    expect(ran).toBe(false);
    expect(result.error).toBeInstanceOf(LocalTransactionFencedError);
    expect(result.status).toBe('ROLLED_BACK');
  });
});

describe('@HalfMessage', () => {
  it('runs the method as the local transaction, returns its value and rethrows its error', async () => {
    const { db, outbox } = setup();
    const seen: string[] = [];
    class PaymentService {
      readonly currency = 'EUR';
      @HalfMessage({
        producerGroup: 'payments',
        outbox: () => outbox,
        message(this: PaymentService, orderId: string, amount: number) {
          return { topic: 'payments.captured', key: orderId, value: { orderId, amount, currency: this.currency }, transactionId: `pay-${orderId}` };
        },
      })
      async capture(orderId: string, amount: number): Promise<string> {
        seen.push(currentHalfMessage()!.transactionId);
        if (amount < 0) throw new Error('gateway timeout');
        return `captured ${orderId}`;
      }
    }
    const service = new PaymentService();
    expect(service.capture.name).toBe('capture');
    await expect(service.capture('o1', 5)).resolves.toBe('captured o1');
    await expect(service.capture('o2', -1)).rejects.toThrow('gateway timeout');
    expect(seen).toEqual(['pay-o1', 'pay-o2']);
    const statuses = [...db.rows.values()].map((r) => r.status);
    expect(statuses).toEqual(['READY', 'HALF']);
  });
});
