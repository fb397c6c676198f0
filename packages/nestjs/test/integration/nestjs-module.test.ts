import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, HttpException, Inject, Injectable, Module, Param, Post, SetMetadata, UseGuards, type CanActivate } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA, GUARDS_METADATA } from '@nestjs/common/constants.js';
import { NestFactory, Reflector } from '@nestjs/core';
import { ApiOperation, ApiResponse, ApiTags, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckerRegistry,
  InboxHandler,
  NoActiveTransactionError,
  OutboxNotConfiguredError,
  send,
  silentLogger,
  Transactional,
  TransactionChecker,
  type HalfMessageView,
  type InboxHandlerContext,
} from '@outboxkit/core';
import {
  CHECK_SIGNATURE_HEADER,
  CHECK_TIMESTAMP_HEADER,
  defaultCheckerRegistry,
  encodeCheckRequest,
  getDefaultOutbox,
  signCheckRequest,
} from '@outboxkit/core/internal';
import { freshDatabase } from '@outboxkit/test-support/servers';
import { createPrismaClient, type PrismaClient } from '@outboxkit/test-support/prisma';
import { createPrismaOutbox, type PrismaOutbox } from '@outboxkit/prisma-adapter';
import { InjectOutbox, InjectOutboxClient, OUTBOX, OutboxExplorer, OutboxModule } from '@outboxkit/nestjs';

/**
 * The NestJS module on a real PostgreSQL: providers with constructor injection and
 * @Transactional methods, route and Swagger metadata surviving the decorator, forRootAsync with
 * an injected Prisma service. Constructor parameters use @Inject(token) because vitest (like tsx)
 * emits no design:paramtypes metadata.
 */
const ROLES = 'roles';
const AllowAll: CanActivate = { canActivate: () => true };

type Db = ReturnType<PrismaClient['$extends']> & PrismaClient;

@Injectable()
class OrderService {
  constructor(@InjectOutboxClient() private readonly db: Db) {}

  @Transactional()
  async place(input: { sku: string; quantity: number; fail?: boolean }) {
    const id = randomUUID();
    await this.db.order.create({ data: { id, customer: 'nest', sku: input.sku, quantity: input.quantity } });
    const messageId = send({ topic: 'orders.created', key: id, type: 'OrderCreated', value: { id, ...input } });
    if (input.fail) throw new HttpException('payment declined', 422);
    return { orderId: id, messageId };
  }

  /** Nest metadata placed under (applied before) @Transactional is copied onto the wrapper. */
  @Transactional()
  @SetMetadata(ROLES, ['clerk'])
  async tagged(): Promise<string> {
    return 'ok';
  }
}

@ApiTags('orders')
@Controller('orders')
class OrdersController {
  constructor(
    @Inject(OrderService) private readonly orders: OrderService,
    @InjectOutbox() private readonly outbox: PrismaOutbox<PrismaClient>,
  ) {}

  // Route and Swagger decorators above @Transactional: they decorate the wrapper.
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Place an order' })
  @ApiResponse({ status: 201, description: 'The order and its orders.created message were committed' })
  @UseGuards(AllowAll)
  async create(@Body() body: { sku: string; quantity: number; fail?: boolean }) {
    return this.orders.place(body);
  }

  // @Transactional above the route decorators: the wrapper copies what they put on the original.
  @Transactional()
  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel an order' })
  async cancel(@Param('id') id: string) {
    await this.outbox.client.order.update({ where: { id }, data: { status: 'CANCELLED' } });
    return { id, messageId: send({ topic: 'orders.cancelled', key: id, value: { id } }) };
  }

  @Get('count')
  async count() {
    return { orders: await this.outbox.client.order.count() };
  }
}
// The parameter types tsc's emitDecoratorMetadata would record for the route handlers (vitest
// records none): @nestjs/swagger 7, the Nest 10 line, reads them without a guard. They are keyed
// by class and method name, so they describe the @Transactional wrapper as much as the original.
Reflect.defineMetadata('design:paramtypes', [Object], OrdersController.prototype, 'create');
Reflect.defineMetadata('design:paramtypes', [String], OrdersController.prototype, 'cancel');
Reflect.defineMetadata('design:paramtypes', [], OrdersController.prototype, 'count');

let database: Awaited<ReturnType<typeof freshDatabase>>;
let prisma: PrismaClient;

beforeAll(async () => {
  database = await freshDatabase('ok_nest');
  prisma = createPrismaClient(database.url);
});

afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

describe('OutboxModule.forRoot', () => {
  it('serves a @Transactional provider over real HTTP: order and message commit together or not at all', async () => {
    @Module({
      imports: [OutboxModule.forRoot({ outbox: createPrismaOutbox(prisma, { logger: silentLogger }) })],
      controllers: [OrdersController],
      providers: [OrderService],
    })
    class AppModule {}

    const app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    const base = await app.getUrl();
    try {
      expect(getDefaultOutbox()).toBe(app.get(OUTBOX));
      const created = await fetch(`${base}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'sku-nest', quantity: 2 }),
      });
      expect(created.status).toBe(201);
      const { orderId, messageId } = (await created.json()) as { orderId: string; messageId: string };
      expect(await prisma.order.findUnique({ where: { id: orderId } })).toMatchObject({ sku: 'sku-nest', quantity: 2 });
      expect(await prisma.outboxMessage.findUnique({ where: { id: messageId } })).toMatchObject({
        topic: 'orders.created',
        key: orderId,
        status: 'READY',
        payload: { id: orderId, sku: 'sku-nest', quantity: 2 },
      });

      const before = await prisma.outboxMessage.count();
      const failed = await fetch(`${base}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'sku-fail', quantity: 1, fail: true }),
      });
      expect(failed.status).toBe(422);
      expect(await prisma.order.count({ where: { sku: 'sku-fail' } })).toBe(0);
      expect(await prisma.outboxMessage.count()).toBe(before);

      const cancelled = await fetch(`${base}/orders/${orderId}/cancel`, { method: 'POST' });
      expect(cancelled.status).toBe(200);
      expect((await prisma.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('CANCELLED');
      expect(await prisma.outboxMessage.count({ where: { topic: 'orders.cancelled', key: orderId } })).toBe(1);
    } finally {
      await app.close();
    }
    // The outbox went away with the application.
    expect(() => getDefaultOutbox()).toThrow(OutboxNotConfiguredError);
    expect(() => send({ topic: 't', value: 1 })).toThrow(NoActiveTransactionError);
  });

  it('keeps Nest route, guard and Swagger metadata on decorated methods, in either decorator order', async () => {
    const { prototype } = OrdersController;
    for (const method of [prototype.create, prototype.cancel]) {
      expect(Reflect.getMetadata(METHOD_METADATA, method)).toBe(1); // RequestMethod.POST
      expect(Reflect.getMetadata(HTTP_CODE_METADATA, method)).toBeDefined();
    }
    expect(Reflect.getMetadata(PATH_METADATA, prototype.create)).toBe('/');
    expect(Reflect.getMetadata(PATH_METADATA, prototype.cancel)).toBe(':id/cancel');
    expect(Reflect.getMetadata(GUARDS_METADATA, prototype.create)).toEqual([AllowAll]);
    expect(Reflect.getMetadata('swagger/apiOperation', prototype.cancel)).toEqual({ summary: 'Cancel an order' });
    expect(prototype.cancel.name).toBe('cancel');
    expect(new Reflector().get(ROLES, OrderService.prototype.tagged)).toEqual(['clerk']);
    expect(OrderService.prototype.tagged.name).toBe('tagged');

    // Read back the way Swagger itself reads it: the generated OpenAPI document.
    @Module({ imports: [OutboxModule.forRoot({ outbox: createPrismaOutbox(prisma, { logger: silentLogger }) })], controllers: [OrdersController], providers: [OrderService] })
    class DocsModule {}
    const app = await NestFactory.create(DocsModule, { logger: false });
    try {
      await app.init();
      const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('orders').build());
      expect(document.paths['/orders']?.post).toMatchObject({
        summary: 'Place an order',
        tags: ['orders'],
        responses: { '201': { description: 'The order and its orders.created message were committed' } },
      });
      expect(document.paths['/orders/{id}/cancel']?.post?.summary).toBe('Cancel an order');
    } finally {
      await app.close();
    }
  });
});

describe('OutboxModule.forRootAsync', () => {
  it('builds the outbox from an injected Prisma service of another module', async () => {
    const PRISMA = Symbol('prisma');
    @Module({ providers: [{ provide: PRISMA, useValue: prisma }], exports: [PRISMA] })
    class PrismaModule {}

    @Module({
      imports: [
        OutboxModule.forRootAsync({
          imports: [PrismaModule],
          inject: [PRISMA],
          useFactory: async (client: PrismaClient) => ({ outbox: createPrismaOutbox(client, { logger: silentLogger }) }),
        }),
      ],
      providers: [OrderService],
    })
    class AsyncAppModule {}

    const app = await NestFactory.createApplicationContext(AsyncAppModule, { logger: false });
    try {
      const { orderId, messageId } = await app.get(OrderService).place({ sku: 'sku-async', quantity: 1 });
      expect(await prisma.order.count({ where: { id: orderId } })).toBe(1);
      expect(await prisma.outboxMessage.count({ where: { id: messageId } })).toBe(1);
      expect(app.get(OutboxExplorer)).toBeInstanceOf(OutboxExplorer);
    } finally {
      await app.close();
    }
  });

  it('refuses options without an outbox of a Prisma client, at start-up', async () => {
    expect(() => OutboxModule.forRoot({ outbox: {} as never })).toThrow(/Prisma client/);
    @Module({ imports: [OutboxModule.forRootAsync({ useFactory: () => ({ outbox: undefined as never }) })] })
    class BrokenModule {}
    await expect(NestFactory.createApplicationContext(BrokenModule, { logger: false, abortOnError: false })).rejects.toThrow(/Prisma client/);
  });
});

/** A checker and an inbox handler on providers with injected dependencies. */
@Injectable()
class PaymentChecker {
  constructor(@InjectOutboxClient() private readonly db: Db) {}

  // Answers from the database, through the injected client: the order exists → COMMIT.
  @TransactionChecker('nest-payments')
  async check(message: HalfMessageView): Promise<'COMMIT' | 'ROLLBACK'> {
    return (await this.db.order.count({ where: { id: message.transactionId } })) > 0 ? 'COMMIT' : 'ROLLBACK';
  }
}

@Injectable()
class InventoryHandler {
  constructor(@InjectOutboxClient() private readonly db: Db) {}

  @InboxHandler({ topic: 'orders.created', consumerGroup: 'inventory' })
  async onOrder({ value, tx }: InboxHandlerContext<{ sku: string; quantity: number }, PrismaClient>): Promise<void> {
    await tx.stockItem.upsert({
      where: { sku: value.sku },
      create: { sku: value.sku, available: 100 - value.quantity },
      update: { available: { decrement: value.quantity } },
    });
  }

  @InboxHandler({ topic: 'orders.audit', consumerGroup: 'audit' })
  async onAudit(): Promise<void> {}
}

const SECRET = 'nest-check-secret-0123456789';

function checkRequest(view: HalfMessageView, secret = SECRET) {
  const body = encodeCheckRequest(view);
  const { timestamp, signature } = signCheckRequest(secret, body);
  return { method: 'POST', headers: { 'content-type': 'application/json', [CHECK_TIMESTAMP_HEADER]: timestamp, [CHECK_SIGNATURE_HEADER]: signature }, body };
}

describe('discovery and the sidecar check endpoint', () => {
  it('registers @TransactionChecker providers, collects @InboxHandler providers and answers signed back-checks over HTTP', async () => {
    @Module({
      imports: [OutboxModule.forRoot({ outbox: createPrismaOutbox(prisma, { logger: silentLogger }), checkEndpoint: { secret: SECRET, logger: silentLogger } })],
      providers: [PaymentChecker, InventoryHandler, OrderService],
    })
    class CheckAppModule {}

    // rawBody: the signature covers the exact bytes the relay sent.
    const app = await NestFactory.create(CheckAppModule, { logger: false, rawBody: true });
    await app.listen(0, '127.0.0.1');
    const base = await app.getUrl();
    try {
      const explorer = app.get(OutboxExplorer);
      expect(explorer.discoveredCheckers()).toEqual([{ producerGroup: 'nest-payments', name: 'PaymentChecker.check' }]);
      expect(defaultCheckerRegistry().has('nest-payments')).toBe(true);

      const { orderId } = await app.get(OrderService).place({ sku: 'sku-check', quantity: 1 });
      const view: HalfMessageView = {
        id: randomUUID(),
        topic: 'payments.captured',
        key: null,
        value: { amount: 5 },
        type: null,
        headers: {},
        producerGroup: 'nest-payments',
        transactionId: orderId,
        checkCount: 0,
        createdAt: new Date(),
      };
      const commit = await fetch(`${base}/outboxkit/check`, checkRequest(view));
      expect(commit.status).toBe(200);
      expect(await commit.json()).toEqual({ state: 'COMMIT' });
      const rollback = await fetch(`${base}/outboxkit/check`, checkRequest({ ...view, transactionId: randomUUID() }));
      expect(await rollback.json()).toEqual({ state: 'ROLLBACK' });
      // A wrong secret is refused; a group without a checker here is "unavailable", not a failure.
      expect((await fetch(`${base}/outboxkit/check`, checkRequest(view, 'another-secret-0123456789'))).status).toBe(401);
      expect((await fetch(`${base}/outboxkit/check`, checkRequest({ ...view, producerGroup: 'elsewhere' }))).status).toBe(404);

      const handlers = explorer.inboxHandlers({ consumerGroup: 'inventory' });
      expect(handlers.map((h) => [h.name, h.topic])).toEqual([['InventoryHandler.onOrder', 'orders.created']]);
      expect(explorer.inboxHandlers().map((h) => h.name).sort()).toEqual(['InventoryHandler.onAudit', 'InventoryHandler.onOrder']);
      // The handler is bound to the Nest instance: run it in a transaction as the consumer would.
      const outbox = app.get<symbol, PrismaOutbox<PrismaClient>>(OUTBOX);
      await outbox.transaction(() => handlers[0]!.handle({ value: { sku: 'sku-inbox', quantity: 3 }, tx: outbox.transactionClient() } as never));
      expect((await prisma.stockItem.findUniqueOrThrow({ where: { sku: 'sku-inbox' } })).available).toBe(97);
    } finally {
      await app.close();
    }
    expect(defaultCheckerRegistry().has('nest-payments')).toBe(false);
  });

  it('says how to fix a check endpoint without the raw body, and can use its own registry', async () => {
    const registry = new CheckerRegistry();
    @Module({
      imports: [
        OutboxModule.forRootAsync({
          checkEndpoint: { path: 'internal/check' },
          useFactory: () => ({ outbox: createPrismaOutbox(prisma, { logger: silentLogger }), checkerRegistry: registry, checkEndpoint: { secret: SECRET, logger: silentLogger } }),
        }),
      ],
      providers: [PaymentChecker],
    })
    class NoRawBodyModule {}
    const app = await NestFactory.create(NoRawBodyModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      expect(registry.groups()).toEqual(['nest-payments']);
      expect(defaultCheckerRegistry().has('nest-payments')).toBe(false);
      const view = { id: randomUUID(), topic: 't', key: null, value: 1, type: null, headers: {}, producerGroup: 'nest-payments', transactionId: 'x', checkCount: 0, createdAt: new Date() };
      const response = await fetch(`${await app.getUrl()}/internal/check`, checkRequest(view));
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: string }).error).toMatch(/rawBody: true/);
    } finally {
      await app.close();
    }
  });
});
