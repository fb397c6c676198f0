import express, { type Express, type Request, type Response } from 'express';
import { createCheckerHandler, HalfMessageAlreadyResolvedError, LocalTransactionRollback, OutboxError } from '@outboxkit/core';
import type { PaymentService } from './payment-service.js';

export function createApp(payments: PaymentService, checkerSecret: string): Express {
  const app = express();

  // Sidecar mode: the relay asks this service's checkers here. Mounted before express.json():
  // the handler verifies the relay's signature over the raw body.
  app.post('/outboxkit/check', createCheckerHandler({ secret: checkerSecret }));

  app.use(express.json());
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.post('/payments', async (req: Request, res: Response) => {
    const { orderId, amount, behaviour } = req.body ?? {};
    if (typeof orderId !== 'string' || typeof amount !== 'number' || amount <= 0) {
      res.status(400).json({ error: 'expected { orderId: string, amount: positive number }' });
      return;
    }
    try {
      res.status(201).json({ status: 'captured', ...(await payments.capture({ orderId, amount, behaviour })) });
    } catch (error) {
      if (error instanceof LocalTransactionRollback) {
        res.status(402).json({ status: 'declined', error: error.message });
      } else if (error instanceof HalfMessageAlreadyResolvedError) {
        res.status(409).json({ status: 'conflict', error: error.message });
      } else if (error instanceof OutboxError) {
        res.status(400).json({ error: error.message, code: error.code });
      } else {
        // The provider did not answer in time: the capture may have happened. The half message
        // stays undecided and the relay's back-check settles it with the provider.
        res.status(202).json({ status: 'pending' });
      }
    }
  });
  return app;
}
