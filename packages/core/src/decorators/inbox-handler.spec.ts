import 'reflect-metadata';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { defineInboxHandler } from '../consumer/inbox-handler.js';
import { InvalidConfigError } from '../errors.js';
import { Transactional } from './transactional.js';
import { collectInboxHandlers, getInboxHandlerMethods, INBOX_HANDLER_METADATA, InboxHandler } from './inbox-handler.js';

const context = (value: unknown) => ({ value }) as never;

describe('@InboxHandler (legacy experimentalDecorators, as NestJS compiles)', () => {
  it('records topic and group without wrapping, and collects handlers bound to the instance', async () => {
    class InventoryHandlers {
      seen: unknown[] = [];
      @InboxHandler({ topic: 'orders.created', consumerGroup: 'inventory' })
      async onOrder(ctx: { value: unknown }) {
        this.seen.push(ctx.value);
      }
      @InboxHandler({ topic: ['orders.cancelled', 'orders.refunded'] })
      async onCancel() {}
      async notAHandler() {}
    }
    const original = Object.getOwnPropertyDescriptor(InventoryHandlers.prototype, 'onOrder')!.value;
    const instance = new InventoryHandlers();
    const handlers = collectInboxHandlers(instance);
    expect(handlers.map((h) => [h.topic, h.consumerGroup, h.name])).toEqual([
      ['orders.created', 'inventory', 'InventoryHandlers.onOrder'],
      [['orders.cancelled', 'orders.refunded'], undefined, 'InventoryHandlers.onCancel'],
    ]);
    await handlers[0]!.handle(context({ sku: 'a' }));
    expect(instance.seen).toEqual([{ sku: 'a' }]);
    expect(InventoryHandlers.prototype.onOrder).toBe(original);
    expect(Reflect.getMetadata(INBOX_HANDLER_METADATA, InventoryHandlers.prototype.onOrder)).toMatchObject({ topic: 'orders.created' });
    expect(collectInboxHandlers(instance, { consumerGroup: 'billing' }).map((h) => h.name)).toEqual(['InventoryHandlers.onCancel']);
  });

  it('finds handlers of base classes, lets a subclass override, and calls a wrapper applied on top', async () => {
    const calls: string[] = [];
    const outbox = { transaction: async (work: () => Promise<unknown>) => (calls.push('tx'), work()) };
    class Base {
      @InboxHandler({ topic: 'a' })
      async onA() {
        calls.push('base');
      }
    }
    class Child extends Base {
      @Transactional({ outbox: outbox as never })
      @InboxHandler({ topic: 'a2' })
      override async onA() {
        calls.push('child');
      }
    }
    const handlers = collectInboxHandlers(new Child());
    expect(getInboxHandlerMethods(new Child())).toEqual([{ methodName: 'onA', options: { topic: 'a2' } }]);
    await handlers[0]!.handle(context(1));
    expect(calls).toEqual(['tx', 'child']);
  });

  it('refuses options without a topic, and things that are not methods', () => {
    expect(() => InboxHandler({ topic: '' })).toThrow(InvalidConfigError);
    expect(() => InboxHandler({ topic: [] })).toThrow(InvalidConfigError);
    expect(() => InboxHandler({ topic: 't' })({}, 'field', { value: 1 })).toThrow(TypeError);
  });
});

describe('@InboxHandler (TC39 standard decorators)', () => {
  it('records handlers through an initializer, without emitted type metadata', async () => {
    const source = `
      const { InboxHandler, collectInboxHandlers } = globalThis.__outboxkitSpec;
      class Handlers {
        seen = [];
        @InboxHandler({ topic: 'orders.created', consumerGroup: 'inventory' })
        async onOrder(ctx) { this.seen.push(ctx.value); }
      }
      const instance = new Handlers();
      globalThis.__outboxkitSpec.result = { instance, handlers: collectInboxHandlers(instance) };
    `;
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, experimentalDecorators: false, emitDecoratorMetadata: false },
    });
    expect(outputText).toContain('__esDecorate');
    const spec = { InboxHandler, collectInboxHandlers, result: undefined as unknown };
    (globalThis as Record<string, unknown>).__outboxkitSpec = spec;
    try {
      new Function('exports', outputText)({});
    } finally {
      delete (globalThis as Record<string, unknown>).__outboxkitSpec;
    }
    const { instance, handlers } = spec.result as { instance: { seen: unknown[] }; handlers: ReturnType<typeof collectInboxHandlers> };
    expect(handlers.map((h) => [h.topic, h.consumerGroup, h.name])).toEqual([['orders.created', 'inventory', 'Handlers.onOrder']]);
    await handlers[0]!.handle(context('v'));
    expect(instance.seen).toEqual(['v']);
  });
});

describe('defineInboxHandler (plain-function form)', () => {
  it('validates and names the definition', () => {
    async function onOrder() {}
    expect(defineInboxHandler({ topic: 'orders', handle: onOrder })).toMatchObject({ topic: 'orders', name: 'onOrder' });
    expect(() => defineInboxHandler({ topic: 'orders', handle: undefined as never })).toThrow(InvalidConfigError);
  });
});
