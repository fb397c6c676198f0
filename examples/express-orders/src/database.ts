import { PrismaPg } from '@prisma/adapter-pg';
import { nudgeRelayAfterCommit } from '@outboxkit/core';
import { createPrismaOutbox } from '@outboxkit/prisma-adapter';
import { PrismaClient } from '../../../prisma/generated/client/client.js';

/**
 * One Prisma client for the service and the outbox built on it. `db` is the client to use
 * everywhere: inside a @Transactional method its model calls join the method's transaction.
 */
export function createDatabase(databaseUrl: string) {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  const outbox = createPrismaOutbox(prisma);
  // Wake the relay sidecar right after each commit that sent messages (a NOTIFY in its own
  // statement, after commit, never inside the business transaction); polling stays the fallback.
  nudgeRelayAfterCommit(outbox.events, outbox.executor);
  return { prisma, outbox, db: outbox.client };
}

export type Database = ReturnType<typeof createDatabase>;
