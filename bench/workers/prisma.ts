// The application side of the .ts workers: the repository's generated Prisma 7 client on
// @prisma/adapter-pg, and an outboxkit PrismaOutbox built on it (as examples/express-orders does).
import { PrismaPg } from '@prisma/adapter-pg';
import { createConsoleLogger } from '@outboxkit/core';
import { createPrismaOutbox } from '@outboxkit/prisma-adapter';
import { PrismaClient } from '../../prisma/generated/client/client.js';

export function createApp(databaseUrl: string, poolMax = 10) {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: poolMax }) });
  const outbox = createPrismaOutbox(prisma, { logger: createConsoleLogger('warn', { component: 'bench-app' }) });
  return { prisma, outbox, db: outbox.client };
}

export type App = ReturnType<typeof createApp>;
