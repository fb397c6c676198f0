import type { OutboxMessageInput } from '../message.js';
import type { OutboxContract } from '../outbox-contract.js';
import type { LocalTransactionMode, LocalTransactionState } from './local-transaction-state.js';

/** A half message: an outbox message plus the producer group whose checker answers for it. */
export interface HalfMessageInput extends OutboxMessageInput {
  /** The producer group: the relay asks this group's checker when the outcome is unknown. Required. */
  producerGroup: string;
  /**
   * The local transaction's id, handed to the checker (for example a payment or order id it can look
   * up). Default: the message id. In `database` mode it is the marker's key, so it must be unique
   * per local transaction.
   */
  transactionId?: string;
  /**
   * Age before the first back-check, ms, for this message only. Default: the relay's check
   * immunity (6 s), or in `database` mode the local transaction's deadline.
   */
  checkImmunityMs?: number;
}

/** What the local step is told about its half message. */
export interface HalfMessageContext {
  messageId: string;
  transactionId: string;
  producerGroup: string;
  mode: LocalTransactionMode;
}

/**
 * The local step. Resolve with COMMIT / ROLLBACK / UNKNOWN, or with nothing for COMMIT. Throw
 * `LocalTransactionRollback` for ROLLBACK; any other throw is UNKNOWN (external mode) or
 * ROLLBACK (database mode, where outboxkit saw the transaction roll back).
 */
export type LocalTransaction = (half: HalfMessageContext) => Promise<LocalTransactionState | void>;

export interface SendHalfOptions {
  /** The Outbox to use. Default: the default Outbox. */
  outbox?: OutboxContract;
  /** Where the local transaction runs. Default `external`. */
  localTransaction?: LocalTransactionMode;
  /**
   * `database` mode: the local transaction's timeout, ms. Default: the Outbox's transaction
   * timeout, else 5,000 (Prisma's default).
   */
  timeoutMs?: number;
  /** `database` mode: longest wait for a connection, ms. Default: the Outbox's, else 2,000 (Prisma's). */
  maxWaitMs?: number;
}

/** What `sendHalf` reports. */
export interface HalfSendResult {
  messageId: string;
  transactionId: string;
  producerGroup: string;
  /** What the local transaction said (a throw is UNKNOWN, or ROLLBACK in database mode). */
  localState: LocalTransactionState;
  /**
   * The row's status now: READY (will be published), ROLLED_BACK, or HALF — undecided, the
   * back-check will ask the group's checker (local UNKNOWN, or the decision could not be written).
   */
  status: 'READY' | 'ROLLED_BACK' | 'HALF';
  /** What the local step threw, if it threw. */
  error?: unknown;
}
