import { silentLogger } from '@outboxkit/core';
import { createPrismaOutbox, type PrismaOutbox } from '@outboxkit/prisma-adapter';
import { createPrismaClient, type PrismaClient } from './prisma.js';
import { freshDatabase, type TestDatabase } from './servers.js';

export interface OutboxTestDatabase {
  database: TestDatabase;
  prisma: PrismaClient;
  outbox: PrismaOutbox<PrismaClient>;
}

/** The outbox every test uses on its client: no log output, not registered as the process's default. */
export function quietOutbox(prisma: PrismaClient): PrismaOutbox<PrismaClient> {
  return createPrismaOutbox(prisma, { logger: silentLogger, registerAsDefault: false });
}

/** A fresh database cloned from the migrated template, a Prisma client on it and a quiet outbox. */
export async function openOutboxTestDatabase(prefix: string): Promise<OutboxTestDatabase> {
  const database = await freshDatabase(prefix);
  const prisma = createPrismaClient(database.url);
  return { database, prisma, outbox: quietOutbox(prisma) };
}

/** Disconnects and drops what openOutboxTestDatabase made; tolerates a failed open. */
export async function closeOutboxTestDatabase(parts: Partial<OutboxTestDatabase>): Promise<void> {
  await parts.prisma?.$disconnect();
  await parts.database?.drop();
}
