import { Injectable } from '@nestjs/common';
import { InboxHandler, type InboxHandlerContext } from '@outboxkit/core';
import type { PrismaTransactionClient } from '@outboxkit/prisma-adapter';
import { ORDERS_TOPIC } from './order.service.js';
import type { PrismaService } from './prisma.service.js';

interface OrderCreated {
  orderId: string;
  sku: string;
  quantity: number;
}

/**
 * Decrements stock for every orders.created message, once per message id. The OutboxModule
 * discovers this method; the consumer runs it inside the transaction that records the inbox
 * receipt, so a redelivered record changes nothing.
 */
@Injectable()
export class InventoryHandler {
  @InboxHandler({ topic: ORDERS_TOPIC })
  async onOrderCreated({ value, tx }: InboxHandlerContext<OrderCreated, PrismaTransactionClient<PrismaService>>): Promise<void> {
    await tx.stockItem.update({ where: { sku: value.sku }, data: { available: { decrement: value.quantity } } });
  }
}
