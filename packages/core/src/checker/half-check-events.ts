import type { HalfDecision } from '../sql/resolve-half-message.js';
import type { CheckResult } from './check-decision.js';

/** HALF rows by age, as last measured. */
export interface HalfAgeSnapshot {
  at: Date;
  /** Undecided half messages, parked ones included. */
  total: number;
  parked: number;
  oldestAgeMs: number;
  /** Cumulative: rows at most `leMs` old (Prometheus-style `le` buckets); `total` is the +Inf bucket. */
  buckets: Array<{ leMs: number; count: number }>;
}

export interface HalfCheckEvents {
  /** One check ended. `via: 'marker'` for messages whose local transaction wrote a marker. */
  'half:checked': {
    id: string;
    producerGroup: string | null;
    result: CheckResult;
    via: 'checker' | 'marker';
    /** Counted checks after this one. */
    checkCount: number;
    durationMs: number;
    error?: unknown;
  };
  'half:resolved': { id: string; producerGroup: string | null; decision: HalfDecision; by: 'checker' | 'marker' };
  /** maxChecks used up: the message stays HALF, parked, until an operator acts. */
  'half:parked': { id: string; producerGroup: string | null; checkCount: number; reason: string };
  /** The check's decision came after a different one (the first final decision wins). */
  'half:conflict': { id: string; attempted: HalfDecision; currentStatus: string; by: 'checker' | 'marker' };
  'half:ages': HalfAgeSnapshot;
  /** A pass failed (database unreachable); the service backs off and tries again. */
  'half:check-error': { error: unknown; consecutiveFailures: number };
}

export interface HalfCheckStats {
  /** Checks by how they ended (marker checks included). */
  checks: Record<CheckResult, number>;
  /** Of those, marker checks. */
  markerChecks: number;
  /** Decisions applied by the back-check. */
  resolved: { COMMIT: number; ROLLBACK: number };
  parked: number;
  conflicts: number;
  passes: number;
  failures: number;
  /** Last HALF-rows-by-age measurement. */
  ages: HalfAgeSnapshot | undefined;
}
