import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Post, UnprocessableEntityException } from '@nestjs/common';
import { OutboxError } from '@outboxkit/core';
import { OrderRejectedError, OrderService } from './order.service.js';

@Controller()
export class OrdersController {
  constructor(@Inject(OrderService) private readonly orders: OrderService) {}

  @Get('healthz')
  health() {
    return { status: 'ok' };
  }

  @Post('orders')
  @HttpCode(201)
  async create(@Body() body: { customer?: unknown; sku?: unknown; quantity?: unknown; failAfterWrite?: unknown }) {
    const { customer, sku, quantity, failAfterWrite } = body ?? {};
    if (typeof customer !== 'string' || typeof sku !== 'string' || !Number.isInteger(quantity) || (quantity as number) <= 0) {
      throw new BadRequestException('expected { customer: string, sku: string, quantity: positive integer }');
    }
    try {
      return await this.orders.placeOrder({ customer, sku, quantity: quantity as number, failAfterWrite: failAfterWrite === true });
    } catch (error) {
      if (error instanceof OrderRejectedError) {
        throw new UnprocessableEntityException({ error: error.message, orderId: error.orderId, rolledBack: true });
      }
      if (error instanceof OutboxError) throw new BadRequestException({ error: error.message, code: error.code });
      throw error;
    }
  }
}
