import type { LocalTransactionState } from '../half/local-transaction-state.js';

/** What a checker is asked about: one undecided half message (RocketMQ's `MessageExt` in `checkLocalTransaction`). */
export interface HalfMessageView {
  id: string;
  topic: string;
  key: string | null;
  /** The JSON value, decoded; or the raw bytes as sent. */
  value: unknown;
  type: string | null;
  headers: Record<string, string>;
  producerGroup: string;
  transactionId: string;
  /** Checks counted before this one (UNKNOWN answers and checker errors). */
  checkCount: number;
  createdAt: Date;
}

/**
 * Answers the back-check for a producer group: did the local transaction of this half message
 * commit? COMMIT publishes it, ROLLBACK drops it, UNKNOWN asks again after the check interval.
 * A throw counts as one UNKNOWN check. (Named apart from the `@TransactionChecker` decorator,
 * which registers a method as one of these.)
 */
export type CheckerFunction = (message: HalfMessageView) => LocalTransactionState | Promise<LocalTransactionState>;

/**
 * How the check service reaches checkers: in process (`CheckerRegistry`) or over HTTP (the relay's
 * `HttpCheckerClient`). Resolves with the checker's answer; rejects with `CheckerUnavailableError`
 * when no checker for the group could be reached (the check is not counted), or with any other
 * error when the checker failed (counted as an UNKNOWN check).
 */
export interface CheckerResolver {
  check(message: HalfMessageView): Promise<LocalTransactionState>;
}
