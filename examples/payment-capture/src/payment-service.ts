import { randomUUID } from 'node:crypto';
import {
  currentHalfMessage,
  HalfMessage,
  LocalTransactionRollback,
  TransactionChecker,
  type HalfMessageView,
  type LocalTransactionState,
} from '@outboxkit/core';
import type { ProviderBehaviour } from './payment-provider.js';
import type { ProviderClient } from './provider-client.js';

export const PAYMENTS_TOPIC = process.env.PAYMENTS_TOPIC ?? 'payments.captured';
export const PRODUCER_GROUP = 'payments';
/** A capture the provider never saw, this long after the half message, will not happen any more. */
const NEVER_SEEN_AFTER_MS = 60_000;

export interface CaptureInput {
  orderId: string;
  amount: number;
  /** Demo switch, passed to the fake provider. */
  behaviour?: ProviderBehaviour;
}

/**
 * Capturing a payment cannot share a database transaction with an outbox row: the capture happens
 * at the provider. So it is the LOCAL TRANSACTION of a half message:
 *
 * 1. the payments.captured message is written as HALF (durable, invisible to consumers);
 * 2. `capture` calls the provider with the message's transaction id as idempotency key;
 * 3. captured → COMMIT (published); declined → ROLLBACK (never published); a timeout → UNKNOWN:
 *    the relay later asks `checkCapture`, which asks the provider.
 */
export class PaymentService {
  constructor(private readonly provider: ProviderClient) {}

  @HalfMessage({
    producerGroup: PRODUCER_GROUP,
    message: (input: CaptureInput) => ({
      topic: PAYMENTS_TOPIC,
      key: input.orderId,
      type: 'PaymentCaptured',
      value: { orderId: input.orderId, amount: input.amount },
      transactionId: `pay-${input.orderId}-${randomUUID()}`,
    }),
  })
  async capture(input: CaptureInput): Promise<{ paymentId: string; messageId: string }> {
    const half = currentHalfMessage()!;
    const status = await this.provider.capture(half.transactionId, input.amount, input.behaviour);
    if (status === 'declined') throw new LocalTransactionRollback(`the provider declined the payment of order ${input.orderId}`);
    return { paymentId: half.transactionId, messageId: half.messageId };
  }

  /** The back-check (RocketMQ's checkLocalTransaction): the provider knows whether it captured. */
  @TransactionChecker(PRODUCER_GROUP)
  async checkCapture(message: HalfMessageView): Promise<LocalTransactionState> {
    const status = await this.provider.lookup(message.transactionId);
    if (status === 'captured') return 'COMMIT';
    if (status === 'declined') return 'ROLLBACK';
    return Date.now() - message.createdAt.getTime() > NEVER_SEEN_AFTER_MS ? 'ROLLBACK' : 'UNKNOWN';
  }
}
