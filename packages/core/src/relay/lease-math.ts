/**
 * Pure arithmetic of partition leases, kept apart so it can be tested without a database.
 */

/** Partitions one instance should hold: an even split, rounded up (the last instance may hold fewer). */
export function fairShare(partitionCount: number, liveInstances: number): number {
  return Math.ceil(partitionCount / Math.max(1, liveInstances));
}

export interface LeasePlan {
  /** How many more partitions to try to acquire. */
  acquire: number;
  /** Partitions to give up (the highest-numbered ones above the fair share). */
  release: number[];
}

/** What an instance holding `held` should do to reach its fair share `target`. */
export function planLeases(held: readonly number[], target: number): LeasePlan {
  if (held.length < target) return { acquire: target - held.length, release: [] };
  const sorted = [...held].sort((a, b) => a - b);
  return { acquire: 0, release: sorted.slice(target) };
}

/**
 * Local deadline of a lease, conservative: the database set `expires_at = db_now + leaseMs`
 * when it handled the request, and that happened after `requestSentAt` (local monotonic clock),
 * so `requestSentAt + leaseMs` never lies after the database's expiry (no clock sync needed).
 */
export function leaseValidUntil(requestSentAt: number, leaseMs: number): number {
  return requestSentAt + leaseMs;
}

/**
 * Time a batch may spend publishing: what is left on the lease minus a safety margin, so the
 * acknowledgement (and its lease check) runs while the lease still holds. Never negative.
 */
export function publishBudget(validUntil: number, now: number, safetyMarginMs: number): number {
  return Math.max(0, Math.floor(validUntil - now - safetyMarginMs));
}
