/**
 * What a half message's local transaction — or its checker — says about it. RocketMQ's
 * `LocalTransactionState` (COMMIT_MESSAGE, ROLLBACK_MESSAGE, UNKNOW).
 *
 * - `COMMIT`: the local work took effect; the message becomes READY and is published.
 * - `ROLLBACK`: it did not and never will; the message becomes ROLLED_BACK and is never published.
 * - `UNKNOWN`: not known (yet); the relay's back-check asks the producer group's checker later.
 */
export const LocalTransactionState = Object.freeze({
  COMMIT: 'COMMIT',
  ROLLBACK: 'ROLLBACK',
  UNKNOWN: 'UNKNOWN',
} as const);

export type LocalTransactionState = (typeof LocalTransactionState)[keyof typeof LocalTransactionState];

export function isLocalTransactionState(value: unknown): value is LocalTransactionState {
  return value === 'COMMIT' || value === 'ROLLBACK' || value === 'UNKNOWN';
}

/**
 * Where the local transaction runs.
 * - `external` (default): anywhere (another service, another database, a payment provider). Its
 *   outcome is whatever the local step returns; a throw is UNKNOWN, because the work may already
 *   have taken effect, and the group's checker decides later.
 * - `database`: in the outbox's own database, in a transaction outboxkit opens (Prisma model calls
 *   on the outbox client join it). outboxkit writes a marker row in it, so the back-check needs no
 *   checker of yours; a throw rolls the transaction back and the half message with it, at once.
 */
export type LocalTransactionMode = 'external' | 'database';
