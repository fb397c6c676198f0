import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Transactional, send } from '@outboxkit/core';
import { InjectOutboxClient } from '@outboxkit/nestjs';
import type { Db } from './prisma.service.js';

/** The topic of order events; configurable so a shared broker can host several runs. */
export const ORDERS_TOPIC = process.env.ORDERS_TOPIC ?? 'orders.created';

export interface PlaceOrderInput {
  customer: string;
  sku: string;
  quantity: number;
  /** Demo switch: fail after the writes, so the order and its message roll back together. */
  failAfterWrite?: boolean;
}

export class OrderRejectedError extends Error {
  constructor(
    readonly orderId: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'OrderRejectedError';
  }
}

@Injectable()
export class OrderService {
  // @InjectOutboxClient(): explicit tokens, so the app runs under tsx (no emitted type metadata).
  constructor(@InjectOutboxClient() private readonly db: Db) {}

  /** The order row and its orders.created message commit together, or neither does. */
  @Transactional()
  async placeOrder(input: PlaceOrderInput): Promise<{ orderId: string; messageId: string }> {
    const orderId = randomUUID();
    await this.db.order.create({
      data: { id: orderId, customer: input.customer, sku: input.sku, quantity: input.quantity },
    });
    const messageId = send({
      topic: ORDERS_TOPIC,
      key: orderId,
      type: 'OrderCreated',
      value: { orderId, customer: input.customer, sku: input.sku, quantity: input.quantity },
    });
    if (input.failAfterWrite) throw new OrderRejectedError(orderId, 'payment declined (demo failure after the writes)');
    return { orderId, messageId };
  }
}
