import type { StoredMessage } from '../message.js';

/** The outcome for one message of a published batch. */
export type PublishOutcome =
  | { id: string; ok: true }
  /**
   * `permanent`: the broker will never accept this message as it is (too large, bad topic).
   * `held`: not sent because an earlier message of the same key failed for good in this batch and
   * the dead-key policy is `hold`; the row stays READY behind its DEAD predecessor.
   */
  | { id: string; ok: false; permanent: boolean; error: string; held?: boolean };

export interface PublishOptions {
  /**
   * Dead-key policy `hold`: once a message of a key fails for good, send no later message of
   * that key in this batch (report them `held`). With `pass`, later messages go on.
   */
  holdKeysAfterPoison: boolean;
  /**
   * Aborted when the relay gave up on the batch (its publish deadline passed and its transaction
   * rolled back). A publisher should then send none of the batch's requests it has not sent yet:
   * they would only be duplicates of what the next claim publishes again.
   */
  signal?: AbortSignal;
}

/**
 * Sends a batch to the broker and reports per message. Throwing means "nothing is known to have
 * been sent" (broker unreachable): the relay keeps the batch and retries it later.
 */
export interface Publisher {
  publish(batch: readonly StoredMessage[], options?: PublishOptions): Promise<PublishOutcome[]>;
}
