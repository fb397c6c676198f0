import { CheckerUnavailableError } from '../errors.js';
import { thrownFacts } from '../describe-error.js';
import { isLocalTransactionState, type LocalTransactionState } from '../half/local-transaction-state.js';
import type { HalfDecision } from '../sql/resolve-half-message.js';

/** Every way one back-check can end, as counted in the check service's stats. */
export type CheckResult = 'COMMIT' | 'ROLLBACK' | 'UNKNOWN' | 'ERROR' | 'UNREACHABLE';

/** Wait before the next check of a message that has had `checksSoFar` counted checks, ms. */
export type CheckSchedule = (checksSoFar: number) => number;

/** RocketMQ's schedule: the same interval between all checks. */
export function fixedCheckSchedule(intervalMs: number): CheckSchedule {
  return () => intervalMs;
}

/** What a checker call produced. */
export type CheckAnswer =
  | { kind: 'answered'; state: LocalTransactionState }
  | { kind: 'failed'; error: unknown }
  | { kind: 'unreachable'; error: unknown };

/** Turns what the checker call threw into an answer: "no checker reachable" is not the checker failing. */
export function answerFromError(error: unknown): CheckAnswer {
  return error instanceof CheckerUnavailableError ? { kind: 'unreachable', error } : { kind: 'failed', error };
}

export type CheckPlan =
  | { action: 'resolve'; result: 'COMMIT' | 'ROLLBACK'; decision: HalfDecision; note: string }
  | {
      action: 'defer';
      result: 'UNKNOWN' | 'ERROR' | 'UNREACHABLE';
      /** 1: this check is used up; 0: it is not (no checker was reached). */
      counted: 0 | 1;
      /** maxChecks reached: park the row (it stays HALF, recoverable by an operator). */
      park: boolean;
      nextCheckInMs: number;
      note: string;
    };

export interface PlanContext {
  /** Counted checks before this one. */
  checkCount: number;
  maxChecks: number;
  schedule: CheckSchedule;
}

/**
 * The back-check's rules, as a pure function:
 * - COMMIT / ROLLBACK are applied;
 * - UNKNOWN and a failing checker count one check and wait for the next; the check that uses up
 *   `maxChecks` parks the row instead (never discards it);
 * - reaching no checker at all does not count (RocketMQ counts it, and parks messages during an
 *   application outage: apache/rocketmq #8311, #9320) and never parks;
 * - an answer that is not a state (`'commit'`, `undefined`, an object — a `CheckerResolver` of the
 *   user's may return anything) is a failed check: it counts, and is never taken for a decision.
 */
export function planCheck(given: CheckAnswer, context: PlanContext): CheckPlan {
  const answer = validAnswer(given);
  if (answer.kind === 'answered' && answer.state !== 'UNKNOWN') {
    return {
      action: 'resolve',
      result: answer.state,
      decision: answer.state,
      note: `${answer.state === 'COMMIT' ? 'committed' : 'rolled back'} by the checker at check ${context.checkCount + 1}`,
    };
  }
  if (answer.kind === 'unreachable') {
    return {
      action: 'defer',
      result: 'UNREACHABLE',
      counted: 0,
      park: false,
      nextCheckInMs: context.schedule(context.checkCount),
      note: `not checked (not counted): ${describe(answer.error)}`,
    };
  }
  const checks = context.checkCount + 1;
  const park = checks >= context.maxChecks;
  const last = answer.kind === 'answered' ? 'the checker answered UNKNOWN' : `the checker failed: ${describe(answer.error)}`;
  return {
    action: 'defer',
    result: answer.kind === 'answered' ? 'UNKNOWN' : 'ERROR',
    counted: 1,
    park,
    nextCheckInMs: context.schedule(checks),
    note: park ? `parked after ${checks} of ${context.maxChecks} checks; last: ${last}` : `check ${checks} of ${context.maxChecks}: ${last}`,
  };
}

/** An "answer" outside COMMIT / ROLLBACK / UNKNOWN becomes the checker failing. */
function validAnswer(answer: CheckAnswer): CheckAnswer {
  if (answer.kind !== 'answered' || isLocalTransactionState(answer.state)) return answer;
  let shown: string;
  try {
    shown = JSON.stringify(answer.state) ?? String(answer.state);
  } catch {
    shown = typeof answer.state;
  }
  return { kind: 'failed', error: new TypeError(`answered ${shown.slice(0, 100)}; a checker must return COMMIT, ROLLBACK or UNKNOWN`) };
}

function describe(error: unknown): string {
  const text = thrownFacts(error).message; // never throws, whatever the checker threw
  return text.length > 1_000 ? `${text.slice(0, 1_000)}…` : text;
}
