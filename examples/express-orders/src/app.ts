import express, { type Express, type Request, type Response } from 'express';
import { OutboxError } from '@outboxkit/core';
import { OrderRejectedError, OrderService } from './order-service.js';
import type { Database } from './database.js';

export function createApp(database: Database): Express {
  const orders = new OrderService(database);
  const app = express();
  app.use(express.json());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.post('/orders', async (req: Request, res: Response) => {
    const { customer, sku, quantity, failAfterWrite } = req.body ?? {};
    if (typeof customer !== 'string' || typeof sku !== 'string' || !Number.isInteger(quantity) || quantity <= 0) {
      res.status(400).json({ error: 'expected { customer: string, sku: string, quantity: positive integer }' });
      return;
    }
    try {
      const placed = await orders.placeOrder({ customer, sku, quantity, failAfterWrite: failAfterWrite === true });
      res.status(201).json(placed);
    } catch (error) {
      if (error instanceof OrderRejectedError) {
        res.status(422).json({ error: error.message, orderId: error.orderId, rolledBack: true });
      } else if (error instanceof OutboxError) {
        res.status(400).json({ error: error.message, code: error.code });
      } else {
        res.status(500).json({ error: 'internal error' });
      }
    }
  });

  return app;
}
