import { silentLogger } from '@outboxkit/core';
import { createPrismaOutbox, type PrismaOutbox } from '@outboxkit/prisma-adapter';
import { createPrismaClient, type PrismaClient } from './prisma.js';
import { freshDatabase } from './servers.js';

export interface OutboxTestDatabase {
  database: Awaited<ReturnType<typeof freshDatabase>>;
  prisma: PrismaClient;
  outbox: PrismaOutbox<PrismaClient>;
}

/** A fresh database cloned from the migrated template, a Prisma client on it and a quiet outbox. */
export async function openOutboxTestDatabase(prefix: string): Promise<OutboxTestDatabase> {
  const database = await freshDatabase(prefix);
  const prisma = createPrismaClient(database.url);
  const outbox = createPrismaOutbox(prisma, { logger: silentLogger, registerAsDefault: false });
  return { database, prisma, outbox };
}

/** Disconnects and drops what openOutboxTestDatabase made; tolerates a failed open. */
export async function closeOutboxTestDatabase(parts: Partial<OutboxTestDatabase>): Promise<void> {
  await parts.prisma?.$disconnect();
  await parts.database?.drop();
}
