// Public API of @outboxkit/prisma-adapter: what an application uses (the README's "Public names"
// lists each one). The transaction port, the SQL executor, the savepoints and the routing client
// extension are the adapter's parts, reached through `createPrismaOutbox`.
export { PrismaOutbox, createPrismaOutbox, type PrismaOutboxOptions } from './prisma-outbox.js';
export type { PrismaClientLike, PrismaTransactionClient } from './prisma-client-like.js';
// Half messages' back-check without a Relay.
export { createPrismaHalfCheckService } from './prisma-half-check-service.js';
