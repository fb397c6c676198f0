import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { CheckerFailedError, CheckerUnavailableError, DuplicateCheckerError } from '../errors.js';
import type { LocalTransactionState } from '../half/local-transaction-state.js';
import { CheckerRegistry } from './checker-registry.js';
import type { HalfMessageView } from './checker-types.js';
import { CHECKER_METADATA, checkerMethodsOf, registerCheckers, TransactionChecker } from './transaction-checker-decorator.js';

const view = (producerGroup: string): HalfMessageView => ({
  id: 'id-1', topic: 't', key: null, value: { paid: true }, type: null, headers: {},
  producerGroup, transactionId: 'tx-1', checkCount: 0, createdAt: new Date(),
});

describe('CheckerRegistry', () => {
  it('routes by producer group and validates the answer', async () => {
    const registry = new CheckerRegistry();
    registry.register('payments', (m) => ((m.value as { paid: boolean }).paid ? 'COMMIT' : 'ROLLBACK'));
    registry.register('bad', () => 'YES' as LocalTransactionState);
    registry.register('throws', () => {
      throw new Error('db down');
    });
    await expect(registry.check(view('payments'))).resolves.toBe('COMMIT');
    await expect(registry.check(view('bad'))).rejects.toBeInstanceOf(CheckerFailedError);
    await expect(registry.check(view('throws'))).rejects.toThrow(/db down/);
    await expect(registry.check(view('nobody'))).rejects.toBeInstanceOf(CheckerUnavailableError);
  });

  it('turns any thrown value into CheckerFailedError, even one String() cannot print', async () => {
    const registry = new CheckerRegistry();
    const unprintable = Object.create(null) as object; // String(unprintable) throws a TypeError
    registry.register('odd', () => {
      throw unprintable;
    });
    registry.register('text', () => {
      throw 'plain text'; // eslint-disable-line no-throw-literal
    });
    const failure = await registry.check(view('odd')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CheckerFailedError);
    expect((failure as CheckerFailedError).cause).toBe(unprintable);
    await expect(registry.check(view('text'))).rejects.toThrow(/plain text/);
  });

  it('refuses a second checker for a group unless asked to replace; unregisters', () => {
    const registry = new CheckerRegistry();
    const off = registry.register('g', () => 'COMMIT');
    expect(() => registry.register('g', () => 'ROLLBACK')).toThrow(DuplicateCheckerError);
    registry.register('g', () => 'UNKNOWN', { replace: true });
    off(); // no longer the registered one: nothing happens
    expect(registry.has('g')).toBe(true);
  });
});

describe('@TransactionChecker', () => {
  it('marks methods (legacy decorators), keeps reflect-metadata, and registers them bound to the instance', async () => {
    class Base {
      @TransactionChecker('orders')
      checkOrder(): LocalTransactionState {
        return 'ROLLBACK';
      }
    }
    class PaymentService extends Base {
      answer: LocalTransactionState = 'COMMIT';
      @TransactionChecker({ producerGroup: 'payments' })
      async checkPayment(message: HalfMessageView): Promise<LocalTransactionState> {
        return message.transactionId === 'tx-1' ? this.answer : 'UNKNOWN';
      }
    }
    const service = new PaymentService();
    expect(checkerMethodsOf(service).map((c) => c.producerGroup).sort()).toEqual(['orders', 'payments']);
    expect(Reflect.getMetadata(CHECKER_METADATA, PaymentService.prototype.checkPayment)).toEqual({ producerGroup: 'payments' });

    const registry = new CheckerRegistry();
    expect(registerCheckers(service, { registry }).sort()).toEqual(['orders', 'payments']);
    service.answer = 'ROLLBACK';
    await expect(registry.check(view('payments'))).resolves.toBe('ROLLBACK');
    await expect(registry.check(view('orders'))).resolves.toBe('ROLLBACK');
    expect(() => registerCheckers(new PaymentService(), { registry })).toThrow(DuplicateCheckerError);
  });

  it('works as a TC39 standard decorator (marks the instance at construction)', async () => {
    const decorate = TransactionChecker('std');
    class Service {
      check(): LocalTransactionState {
        return 'COMMIT';
      }
    }
    const initializers: Array<(this: unknown) => void> = [];
    decorate(Service.prototype.check, { kind: 'method', name: 'check', addInitializer: (f: (this: unknown) => void) => initializers.push(f) });
    const instance = new Service();
    for (const init of initializers) init.call(instance);
    const registry = new CheckerRegistry();
    expect(registerCheckers(instance, { registry })).toEqual(['std']);
    await expect(registry.check(view('std'))).resolves.toBe('COMMIT');
  });
});
