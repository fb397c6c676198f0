import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../../prisma/generated/client/client.js';

/**
 * The application's Prisma client as a Nest provider, the usual Nest + Prisma setup. outboxkit
 * is given this instance (OutboxModule.forRootAsync) and opens its transactions on it.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(databaseUrl: string) {
    super({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}

/** The client to use in services: `outbox.client`, whose model calls join outbox transactions. */
export type Db = PrismaService;
