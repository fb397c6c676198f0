import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckerRegistry, collectInboxHandlers, silentLogger } from '@outboxkit/core';
import { checkerMethodsOf } from '@outboxkit/core/internal';
import { createPrismaOutbox, type PrismaOutbox } from '@outboxkit/prisma-adapter';
import { freshDatabase, uniqueName } from '@outboxkit/test-support/servers';
import { createPrismaClient, type PrismaClient } from '@outboxkit/test-support/prisma';

/**
 * outboxkit's decorators under TC39 standard decorators: a fixture compiled by the TypeScript
 * compiler API with `experimentalDecorators` OFF (type-checked against the packages' published
 * declarations, emitted with TypeScript's standard-decorator transform), then run on PostgreSQL.
 * The fixture lives under this package's .cache/ so `@outboxkit/core` resolves as it would for a
 * user of the package.
 */
const PACKAGE = fileURLToPath(new URL('../../', import.meta.url));
const DIR = path.join(PACKAGE, '.cache', uniqueName('tc39'));

const FIXTURE = `
import { InboxHandler, send, Transactional, TransactionChecker, type HalfMessageView, type InboxHandlerContext } from '@outboxkit/core';

interface Db {
  order: { create(args: { data: { id: string; customer: string; sku: string; quantity: number } }): Promise<unknown> };
}

export class OrderService {
  readonly seen: string[] = [];

  constructor(private readonly db: Db) {}

  @Transactional()
  async place(id: string, fail: boolean): Promise<string> {
    await this.db.order.create({ data: { id, customer: 'tc39', sku: 'sku-std', quantity: 1 } });
    const messageId = send({ topic: 'orders.created', key: id, value: { id } });
    if (fail) throw new Error('declined');
    return messageId;
  }

  /** docs/guarantees.md §4.8: the outer catches the inner failure and returns. */
  @Transactional()
  async placeCatching(ids: [string, string], key: string, inner: 'required' | 'nested'): Promise<string> {
    await this.db.order.create({ data: { id: ids[0], customer: key, sku: 'outer', quantity: 1 } });
    send({ topic: 'orders.created', key, type: 'outer', value: {} });
    try {
      if (inner === 'nested') await this.reserveNested(ids[1], key);
      else await this.reserveRequired(ids[1], key);
    } catch {
      return 'backordered';
    }
    return 'reserved';
  }

  @Transactional({ propagation: 'nested' })
  async reserveNested(id: string, key: string): Promise<void> {
    await this.db.order.create({ data: { id, customer: key, sku: 'inner', quantity: 1 } });
    send({ topic: 'orders.created', key, type: 'inner', value: {} });
    throw new Error('out of stock');
  }

  @Transactional()
  async reserveRequired(id: string, key: string): Promise<void> {
    await this.db.order.create({ data: { id, customer: key, sku: 'inner', quantity: 1 } });
    send({ topic: 'orders.created', key, type: 'inner', value: {} });
    throw new Error('out of stock');
  }

  @TransactionChecker('payments')
  check(message: HalfMessageView): 'COMMIT' | 'ROLLBACK' {
    return message.key === this.constructor.name ? 'COMMIT' : 'ROLLBACK';
  }

  @InboxHandler({ topic: 'orders.created' })
  async onOrder(context: InboxHandlerContext<{ id: string }>): Promise<void> {
    this.seen.push(context.value.id);
  }
}
`;

let database: Awaited<ReturnType<typeof freshDatabase>>;
let prisma: PrismaClient;
let outbox: PrismaOutbox<PrismaClient>;
let fixture: { OrderService: new (db: unknown) => any };

beforeAll(async () => {
  await mkdir(DIR, { recursive: true });
  const source = path.join(DIR, 'fixture.ts');
  await writeFile(source, FIXTURE);
  const options: ts.CompilerOptions = {
    experimentalDecorators: false,
    emitDecoratorMetadata: false,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    types: [],
    outDir: DIR,
  };
  const program = ts.createProgram([source], options);
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  const messages = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(messages).toEqual([]);
  database = await freshDatabase('ok_tc39');
  prisma = createPrismaClient(database.url);
  outbox = createPrismaOutbox(prisma, { logger: silentLogger });
  // The fixture's .js is ESM next to a package.json-less folder: name it .mjs to load it as such.
  const { readFile } = await import('node:fs/promises');
  await writeFile(path.join(DIR, 'fixture.mjs'), await readFile(path.join(DIR, 'fixture.js'), 'utf8'));
  fixture = await import(pathToFileURL(path.join(DIR, 'fixture.mjs')).href);
});

afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
  await rm(DIR, { recursive: true, force: true });
});

describe('decorators compiled as TC39 standard decorators', () => {
  it('emits the standard decorator transform, not the legacy one', async () => {
    const { readFile } = await import('node:fs/promises');
    const js = await readFile(path.join(DIR, 'fixture.js'), 'utf8');
    expect(js).toContain('__esDecorate');
    expect(js).not.toContain('__decorate(');
  });

  it('@Transactional commits the writes and the message together, or rolls both back', async () => {
    const service = new fixture.OrderService(outbox.client);
    expect(service.place.name).toBe('place');
    const id = randomUUID();
    const messageId: string = await service.place(id, false);
    expect(await prisma.order.count({ where: { id } })).toBe(1);
    expect(await prisma.outboxMessage.findUnique({ where: { id: messageId } })).toMatchObject({ key: id, status: 'READY' });

    const failed = randomUUID();
    await expect(service.place(failed, true)).rejects.toThrow('declined');
    expect(await prisma.order.count({ where: { id: failed } })).toBe(0);
    expect(await prisma.outboxMessage.count({ where: { key: failed } })).toBe(0);
  });

  it("propagation: a caught 'required' failure fails the commit; a 'nested' one is undone at its savepoint", async () => {
    const service = new fixture.OrderService(outbox.client);
    const required = randomUUID();
    await expect(service.placeCatching([randomUUID(), randomUUID()], required, 'required')).rejects.toMatchObject({
      name: 'RollbackOnlyError',
      code: 'OUTBOX_ROLLBACK_ONLY',
    });
    expect(await prisma.order.count({ where: { customer: required } })).toBe(0);
    expect(await prisma.outboxMessage.count({ where: { key: required } })).toBe(0);

    const nested = randomUUID();
    expect(await service.placeCatching([randomUUID(), randomUUID()], nested, 'nested')).toBe('backordered');
    expect((await prisma.order.findMany({ where: { customer: nested } })).map((o) => o.sku)).toEqual(['outer']);
    const messages = await prisma.outboxMessage.findMany({ where: { key: nested } });
    expect(messages.map((m) => [m.type, m.status])).toEqual([['outer', 'READY']]);
  });

  it('@TransactionChecker and @InboxHandler register per instance', async () => {
    const service = new fixture.OrderService(outbox.client);
    const [checker] = checkerMethodsOf(service);
    expect(checker?.producerGroup).toBe('payments');
    const registry = new CheckerRegistry();
    registry.register(checker!.producerGroup, checker!.checker);
    const view = { id: randomUUID(), topic: 't', value: null, type: null, headers: {}, producerGroup: 'payments', transactionId: 'x', checkCount: 0, createdAt: new Date() };
    expect(await registry.check({ ...view, key: 'OrderService' })).toBe('COMMIT');
    expect(await registry.check({ ...view, key: 'other' })).toBe('ROLLBACK');

    const [handler] = collectInboxHandlers(service);
    expect(handler?.topic).toBe('orders.created');
    await handler!.handle({ value: { id: 'o-1' } } as never);
    expect(service.seen).toEqual(['o-1']);
  });
});
