import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectInboxHandlers, InboxHandler, send, silentLogger, Transactional, type InboxHandlerContext } from '@outboxkit/core';
import { HEADERS } from '@outboxkit/core/internal';
import { createPrismaOutbox, type PrismaClientLike, type PrismaOutbox } from '@outboxkit/prisma-adapter';
import { createInboxConsumer, Relay, type InboxConsumer } from '@outboxkit/kafka-relay';
import { createTopic, kafkaClient, readTopic } from '@outboxkit/test-support/kafka';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { waitFor } from '@outboxkit/test-support/wait';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { createDatabase, dropDatabase } from '../../../scripts/postgres.mjs';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { applyMigrations } from '../../../scripts/migrate.mjs';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { prismaOfflineEnv } from '../../../scripts/prisma-generate.mjs';
// @ts-expect-error plain ESM helpers shared with the test setup
import { ensurePeerProject, PEER_PROJECTS } from '../../../scripts/peer-projects.mjs';

/**
 * Prisma 6 — the setup that runs without native engines: generator `engineType = "client"`, the
 * pg driver adapter — through the core paths, against real PostgreSQL and Kafka:
 * `outboxkit prisma init` in a Prisma 6 project (the project's own @prisma/config and
 * `prisma validate`), its migrations applied, `prisma generate` of that Prisma, a @Transactional
 * method writing a business row and sending, the relay publishing, an inbox consumer applying the
 * message once (a redelivered copy is skipped).
 *
 * The project is fixtures/prisma6 copied under .cache/ with node_modules linked to the Prisma 6
 * install of scripts/peer-projects.mjs (npm, cached by version). The generated client is
 * CommonJS and loaded with require(), as a Prisma 6 app loads it; the outboxkit packages are the
 * workspace's sources, as in every integration test (the tarball test covers the packed ones).
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/prisma6/', import.meta.url));
const BIN = path.join(REPO, 'packages', 'prisma-adapter', 'bin', 'outboxkit.js');
const VERSION: string = PEER_PROJECTS.prisma6.prisma;
const MINUTE = 60_000;

interface Order {
  id: string;
  sku: string;
  quantity: number;
  shipments: number;
}
/** The part of the generated Prisma 6 client this test uses (it is loaded untyped, by require). */
interface Prisma6Client extends PrismaClientLike {
  order: {
    create(args: { data: Omit<Order, 'shipments'> }): Promise<Order>;
    count(args?: { where?: Partial<Order> }): Promise<number>;
    findUniqueOrThrow(args: { where: { id: string } }): Promise<Order>;
    update(args: { where: { id: string }; data: Record<string, unknown> }): Promise<Order>;
  };
  outboxMessage: { findUniqueOrThrow(args: { where: { id: string } }): Promise<{ status: string; topic: string; key: string | null }> };
  $disconnect(): Promise<void>;
}

/** A command of the project (the Prisma CLI offline, see scripts/prisma-generate.mjs); its output. */
function run(file: string, args: string[], cwd: string): Promise<string> {
  // A Prisma 6 schema reads its URL from the environment (`url = env("DATABASE_URL")`), which
  // `prisma validate` (run by the generator) and `prisma generate` insist on.
  const env = prismaOfflineEnv({ ...process.env, DATABASE_URL: database.url });
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed (${error.code}):\n${stdout}${stderr}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

const work = path.join(REPO, '.cache', 'peer-runs', uniqueName('prisma6'));
const database = { name: uniqueName('ok_prisma6'), url: '' };
const output = { init: '', generate: '' };
let prisma: Prisma6Client;
let outbox: PrismaOutbox<Prisma6Client>;

beforeAll(async () => {
  const installed = await ensurePeerProject('prisma6');
  await mkdir(path.dirname(work), { recursive: true });
  await cp(FIXTURE, work, { recursive: true });
  await symlink(path.join(installed, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  await cp(path.join(installed, 'package.json'), path.join(work, 'package.json'));

  database.url = await createDatabase(database.name);
  output.init = await run(process.execPath, [BIN, 'prisma', 'init'], work);
  await applyMigrations(database.url, path.join(work, 'prisma', 'migrations'));
  output.generate = await run(path.join(work, 'node_modules', '.bin', 'prisma'), ['generate'], work);

  const require = createRequire(path.join(work, 'package.json'));
  const { PrismaClient } = require('./generated/client') as { PrismaClient: new (options: unknown) => Prisma6Client };
  const { PrismaPg } = require('@prisma/adapter-pg') as { PrismaPg: new (options: { connectionString: string }) => unknown };
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
  outbox = createPrismaOutbox(prisma, { logger: silentLogger });
}, 5 * MINUTE);

afterAll(async () => {
  await prisma?.$disconnect();
  if (database.url) await dropDatabase(database.name);
  await rm(work, { recursive: true, force: true });
});

describe(`Prisma ${VERSION} (engineType "client", @prisma/adapter-pg)`, () => {
  it('outboxkit prisma init adds the models and the migration with the project\'s own Prisma 6; prisma generate takes them', async () => {
    expect(output.init).toMatch(/outboxkit_init/);
    const schema = await readFile(path.join(work, 'prisma', 'schema.prisma'), 'utf8');
    expect(schema).toMatch(/model OutboxMessage\b/);
    expect(schema).toMatch(/engineType = "client"/); // the user's generator untouched
    expect(output.generate).toContain(`Generated Prisma Client (v${VERSION})`);
  });

  it('commits a @Transactional write with its message, rolls both back together, and the relay and an inbox consumer take it from there, once', async () => {
    const topic = uniqueName('ok.prisma6');
    await createTopic(topic, 1);
    const db = outbox.client as Prisma6Client;

    class OrderService {
      @Transactional()
      async place(sku: string, quantity: number) {
        const order = await db.order.create({ data: { id: randomUUID(), sku, quantity } });
        const messageId = send({ topic, key: order.id, type: 'OrderCreated', value: order });
        if (quantity <= 0) throw new Error('quantity must be positive');
        return { order, messageId };
      }
    }
    const service = new OrderService();
    const { order, messageId } = await service.place('sku-6', 2);
    expect(await prisma.outboxMessage.findUniqueOrThrow({ where: { id: messageId } })).toMatchObject({ status: 'READY', topic, key: order.id });
    await expect(service.place('sku-refused', 0)).rejects.toThrow('quantity must be positive');
    expect(await prisma.order.count({ where: { sku: 'sku-refused' } })).toBe(0);

    class Shipping {
      @InboxHandler({ topic })
      async onOrderCreated({ value, tx }: InboxHandlerContext<Order, Prisma6Client>) {
        await tx.order.update({ where: { id: value.id }, data: { shipments: { increment: 1 } } });
      }
    }
    const relay = new Relay({ databaseUrl: database.url, brokers: kafkaBrokers(), logger: silentLogger });
    let consumer: InboxConsumer | undefined;
    await relay.start();
    try {
      await waitFor(async () => (await prisma.outboxMessage.findUniqueOrThrow({ where: { id: messageId } })).status === 'PUBLISHED', MINUTE, 'the relay to publish the message');
      const [record, ...others] = await readTopic(topic);
      expect(others).toHaveLength(0); // the rolled-back order's message never left the database
      expect(record!.headers[HEADERS.messageId]).toBe(messageId);

      consumer = createInboxConsumer({ outbox, brokers: kafkaBrokers(), groupId: uniqueName('prisma6'), handlers: collectInboxHandlers(new Shipping()), fromBeginning: true, logger: silentLogger });
      await consumer.start();
      await waitFor(() => consumer!.stats.processed === 1, MINUTE, 'the consumer to apply the message');
      // Kafka delivers the same record again (a producer retry, a rebalance): skipped, not applied twice.
      const producer = kafkaClient().producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ key: record!.key, value: record!.value, headers: record!.headers }] });
      await producer.disconnect();
      await waitFor(() => consumer!.stats.duplicates === 1, MINUTE, 'the consumer to see the redelivered copy');
      expect(consumer.stats).toMatchObject({ processed: 1, duplicates: 1, failures: 0 });
      expect((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).shipments).toBe(1);
    } finally {
      await consumer?.stop();
      await relay.stop();
    }
  });
});
