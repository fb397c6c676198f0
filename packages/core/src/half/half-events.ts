import type { HalfDecision } from '../sql/resolve-half-message.js';
import type { LocalTransactionMode } from './local-transaction-state.js';

/** Who applied a half message's decision. */
export type HalfDecider = 'producer' | 'checker' | 'marker' | 'operator';

/** Events of the half-message write side (on `outbox.events`). */
export interface HalfMessageEvents {
  /** The HALF row committed; the local transaction runs next. */
  'half:written': { id: string; producerGroup: string; transactionId: string; mode: LocalTransactionMode };
  /** A decision moved the row HALF → READY or HALF → ROLLED_BACK. */
  'half:resolved': { id: string; producerGroup: string; decision: HalfDecision; by: HalfDecider };
  /** The local transaction said UNKNOWN (or threw): the back-check will decide. */
  'half:undecided': { id: string; producerGroup: string; error?: unknown };
  /** A later, different decision was rejected (the first final decision wins). */
  'half:conflict': { id: string; attempted: HalfDecision; currentStatus: string; by: HalfDecider };
}
