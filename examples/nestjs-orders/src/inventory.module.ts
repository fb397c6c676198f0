import { Module } from '@nestjs/common';
import { OutboxModule } from '@outboxkit/nestjs';
import { createPrismaOutbox } from '@outboxkit/prisma-adapter';
import { InventoryConsumerService } from './inventory-consumer.service.js';
import { InventoryHandler } from './inventory.handler.js';
import { PrismaModule } from './prisma.module.js';
import { PrismaService } from './prisma.service.js';

/** The inventory consumer: a Nest application without HTTP. */
@Module({
  imports: [
    PrismaModule,
    OutboxModule.forRootAsync({ inject: [PrismaService], useFactory: (prisma: PrismaService) => ({ outbox: createPrismaOutbox(prisma) }) }),
  ],
  providers: [InventoryHandler, InventoryConsumerService],
})
export class InventoryModule {}
