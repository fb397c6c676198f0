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

/**
 * What the marker check found, for a message whose local transaction ran in the outbox's own
 * database (it writes a marker in that transaction; see fence-half-message.ts):
 * - `present`: the marker is there, so the local transaction committed;
 * - `fenced`: no marker after the deadline, so the check wrote one itself and rolled the message
 *   back in the same statement (MARKER_FENCE_NOTE is that statement's note);
 * - `settled`: neither: the fence found the row already decided (by an operator, say).
 */
export type MarkerOutcome = 'present' | 'fenced' | 'settled';

/** The note the marker check's fence writes on the message it rolls back. */
export const MARKER_FENCE_NOTE = 'rolled back: no marker of its local transaction after its deadline';

const MARKER_COMMIT_NOTE = "committed: its local transaction's marker is present";

/** What a checker call produced, or what the marker check found. */
export type CheckAnswer =
  | { kind: 'answered'; state: LocalTransactionState }
  | { kind: 'failed'; error: unknown }
  | { kind: 'unreachable'; error: unknown }
  | { kind: 'marker'; outcome: MarkerOutcome };

/** Turns what the checker call threw into an answer: "no checker reachable" is not the checker failing. */
export function answerFromError(error: unknown): CheckAnswer {
  return error instanceof CheckerUnavailableError ? { kind: 'unreachable', error } : { kind: 'failed', error };
}

export type CheckPlan =
  /** Apply the decision (compare-and-set: the first final decision wins). */
  | { action: 'resolve'; result: 'COMMIT' | 'ROLLBACK'; decision: HalfDecision; note: string }
  /** The decision is applied already (the marker check's fence did it): count it and report it. */
  | { action: 'resolved'; result: 'ROLLBACK'; decision: 'ROLLBACK'; note: string }
  /** The row was decided elsewhere meanwhile: nothing to apply, count or report. */
  | { action: 'none'; note: string }
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
 * - a marker check never counts: a present marker commits, a fence has rolled back, a row found
 *   decided meanwhile is left alone;
 * - an answer that is not a state (`'commit'`, `undefined`, an object — a `CheckerResolver` of the
 *   user's may return anything) is a failed check: it counts, and is never taken for a decision.
 */
export function planCheck(given: CheckAnswer, context: PlanContext): CheckPlan {
  const answer = validAnswer(given);
  if (answer.kind === 'marker') return planMarker(answer.outcome);
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

function planMarker(outcome: MarkerOutcome): CheckPlan {
  switch (outcome) {
    case 'present':
      return { action: 'resolve', result: 'COMMIT', decision: 'COMMIT', note: MARKER_COMMIT_NOTE };
    case 'fenced':
      return { action: 'resolved', result: 'ROLLBACK', decision: 'ROLLBACK', note: MARKER_FENCE_NOTE };
    case 'settled':
      return { action: 'none', note: 'not decided by this check: the row was decided meanwhile' };
  }
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
