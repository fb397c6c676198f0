import { Outbox, type OutboxOptions } from '@outboxkit/core';
import { Inbox, type InboxOptions } from '@outboxkit/core/internal';
import { ambientRoutingClient } from './ambient-routing-client.js';
import { ambientRoutingExtension } from './ambient-routing-extension.js';
import type { PrismaClientLike, PrismaTransactionClient } from './prisma-client-like.js';
import { prismaSqlExecutor } from './prisma-sql-executor.js';
import { PrismaTransactionPort } from './prisma-transaction-port.js';

export type PrismaOutboxOptions = OutboxOptions;

/**
 * An Outbox whose transactions are Prisma interactive transactions.
 *
 * - `client`: the application's client, extended so model calls made inside an outbox
 *   transaction run on it (ambient-routing-client.ts). Use it everywhere you used your client
 *   before.
 * - `transactionClient()`: the current transaction's client, for raw queries.
 */
export class PrismaOutbox<C extends PrismaClientLike> extends Outbox<PrismaTransactionClient<C>> {
  readonly client: C;

  constructor(
    readonly prisma: C,
    options: PrismaOutboxOptions = {},
  ) {
    super(new PrismaTransactionPort(prisma), options);
    this.client = ambientRoutingClient(prisma.$extends(ambientRoutingExtension(this)) as C, this);
  }

  /** Raw SQL on the application's client, outside any transaction (for tooling and checks). */
  get executor() {
    return prismaSqlExecutor(this.prisma);
  }

  /** An inbox for a consumer group; its handlers run in a transaction of this outbox. */
  inbox(options: InboxOptions): Inbox<PrismaTransactionClient<C>> {
    return new Inbox(this, options);
  }
}

export function createPrismaOutbox<C extends PrismaClientLike>(prisma: C, options: PrismaOutboxOptions = {}): PrismaOutbox<C> {
  return new PrismaOutbox(prisma, options);
}
