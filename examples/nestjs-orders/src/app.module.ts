import { Module } from '@nestjs/common';
import { OutboxModule } from '@outboxkit/nestjs';
import { createPrismaOutbox } from '@outboxkit/prisma-adapter';
import { OrderService } from './order.service.js';
import { OrdersController } from './orders.controller.js';
import { PrismaModule } from './prisma.module.js';
import { PrismaService } from './prisma.service.js';

@Module({
  imports: [
    PrismaModule,
    // The outbox on the application's Prisma client; it becomes the default of @Transactional().
    OutboxModule.forRootAsync({
      inject: [PrismaService],
      useFactory: (prisma: PrismaService) => ({ outbox: createPrismaOutbox(prisma) }),
    }),
  ],
  controllers: [OrdersController],
  providers: [OrderService],
})
export class AppModule {}
