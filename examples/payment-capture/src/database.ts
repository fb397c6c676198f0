import { PrismaPg } from '@prisma/adapter-pg';
import { createPrismaOutbox } from '@outboxkit/prisma-adapter';
import { PrismaClient } from '../../../prisma/generated/client/client.js';

/** The service's Prisma client and the outbox on it (the default outbox for the decorators). */
export function createDatabase(databaseUrl: string) {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  const outbox = createPrismaOutbox(prisma);
  return { prisma, outbox };
}
