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
