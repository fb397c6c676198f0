/** How long to wait before attempt number `attempt` (1-based) after a failure. */
export type BackoffPolicy = (attempt: number) => number;

export interface ExponentialBackoffOptions {
  /** First delay, ms. Default 100. */
  initialMs?: number;
  /** Upper bound, ms. Default 30,000. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Random source in [0, 1), for tests. Default Math.random. */
  random?: () => number;
}

export const DEFAULT_BACKOFF = Object.freeze({ initialMs: 100, maxMs: 30_000, factor: 2 });

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so many relays
 * that failed together do not retry in lockstep, yet none retries almost immediately.
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): BackoffPolicy {
  const initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const factor = options.factor ?? DEFAULT_BACKOFF.factor;
  const random = options.random ?? Math.random;
  return (attempt) => {
    const ceiling = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt - 1));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  };
}
