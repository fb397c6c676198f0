import type { TransactionOptions } from '@outboxkit/core';
import type { TransactionHandle, TransactionPort } from '@outboxkit/core/internal';
import type { PrismaClientLike, PrismaTransactionClient } from './prisma-client-like.js';
import { prismaSavepoints } from './prisma-savepoints.js';
import { prismaSqlExecutor } from './prisma-sql-executor.js';

/**
 * Opens Prisma interactive transactions for the core, with savepoints for propagation 'nested'. The transaction is always opened on the
 * client the application passed in, never on the routing extension built on top of it, so other
 * extensions of the application run once, not twice.
 */
export class PrismaTransactionPort<C extends PrismaClientLike> implements TransactionPort<PrismaTransactionClient<C>> {
  constructor(private readonly prisma: C) {}

  runInTransaction<T>(
    work: (handle: TransactionHandle<PrismaTransactionClient<C>>) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    return this.prisma.$transaction(
      (tx) => work({ executor: prismaSqlExecutor(tx), client: tx, savepoints: prismaSavepoints(tx) }),
      {
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
        ...(options.maxWaitMs === undefined ? {} : { maxWait: options.maxWaitMs }),
        ...(options.isolationLevel === undefined ? {} : { isolationLevel: options.isolationLevel }),
      },
    ) as Promise<T>;
  }
}
