import type { StoredMessage } from '../message.js';

/** The outcome for one message of a published batch. */
export type PublishOutcome =
  | { id: string; ok: true }
  /** `permanent`: the broker will never accept this message as it is (too large, bad topic). */
  | { id: string; ok: false; permanent: boolean; error: string };

/**
 * Sends a batch to the broker and reports per message. Throwing means "nothing is known to have
 * been sent" (broker unreachable): the relay keeps the batch and retries it later.
 */
export interface Publisher {
  publish(batch: readonly StoredMessage[]): Promise<PublishOutcome[]>;
}
