// Public API of @outboxkit/prisma-adapter.
export { PrismaOutbox, createPrismaOutbox, type PrismaOutboxOptions } from './prisma-outbox.js';
export { PrismaTransactionPort } from './prisma-transaction-port.js';
export { prismaSqlExecutor } from './prisma-sql-executor.js';
export { prismaSavepoints } from './prisma-savepoints.js';
export { ambientRoutingExtension } from './ambient-routing-extension.js';
export type { PrismaClientLike, PrismaTransactionClient } from './prisma-client-like.js';
// Half messages' back-check without a Relay.
export { createPrismaHalfCheckService } from './prisma-half-check-service.js';
