import { describe, expect, it } from 'vitest';
import { CheckerFailedError, CheckerUnavailableError } from '../errors.js';
import { answerFromError, fixedCheckSchedule, MARKER_FENCE_NOTE, planCheck } from './check-decision.js';

const context = { checkCount: 0, maxChecks: 3, schedule: fixedCheckSchedule(30_000) };

describe('planCheck', () => {
  it('applies COMMIT and ROLLBACK', () => {
    expect(planCheck({ kind: 'answered', state: 'COMMIT' }, context)).toMatchObject({ action: 'resolve', decision: 'COMMIT', result: 'COMMIT' });
    expect(planCheck({ kind: 'answered', state: 'ROLLBACK' }, context)).toMatchObject({ action: 'resolve', decision: 'ROLLBACK' });
  });

  it('counts UNKNOWN and checker errors, and parks on the check that uses up maxChecks', () => {
    expect(planCheck({ kind: 'answered', state: 'UNKNOWN' }, context)).toMatchObject({
      action: 'defer', result: 'UNKNOWN', counted: 1, park: false, nextCheckInMs: 30_000,
    });
    expect(planCheck({ kind: 'failed', error: new Error('db down') }, { ...context, checkCount: 1 })).toMatchObject({
      action: 'defer', result: 'ERROR', counted: 1, park: false,
    });
    const last = planCheck({ kind: 'answered', state: 'UNKNOWN' }, { ...context, checkCount: 2 });
    expect(last).toMatchObject({ action: 'defer', counted: 1, park: true });
    expect(last.note).toBe('parked after 3 of 3 checks; last: the checker answered UNKNOWN');
  });

  it('writes a note for a failure of any thrown value, even one String() cannot print', () => {
    const plan = planCheck({ kind: 'failed', error: Object.create(null) }, context);
    expect(plan).toMatchObject({ action: 'defer', result: 'ERROR', counted: 1 });
    expect(plan.note).toBe('check 1 of 3: the checker failed: {}');
  });

  it('takes an answer that is not a state for a failed check, never for a decision', () => {
    for (const state of ['commit', 'rollback', 'MAYBE', undefined, null, { state: 'COMMIT' }, 1n]) {
      const plan = planCheck({ kind: 'answered', state: state as never }, context);
      expect(plan).toMatchObject({ action: 'defer', result: 'ERROR', counted: 1 });
      expect(plan.note).toMatch(/must return COMMIT, ROLLBACK or UNKNOWN/);
    }
  });

  it('never counts nor parks when no checker was reachable', () => {
    const plan = planCheck({ kind: 'unreachable', error: new Error('ECONNREFUSED') }, { ...context, checkCount: 2 });
    expect(plan).toMatchObject({ action: 'defer', result: 'UNREACHABLE', counted: 0, park: false });
    expect(plan.note).toContain('not counted');
  });

  it('follows a custom schedule with the number of counted checks', () => {
    const schedule = (n: number) => 1000 * 2 ** n;
    expect(planCheck({ kind: 'answered', state: 'UNKNOWN' }, { ...context, checkCount: 1, schedule })).toMatchObject({ nextCheckInMs: 4000 });
    expect(planCheck({ kind: 'unreachable', error: 'x' }, { ...context, checkCount: 1, schedule })).toMatchObject({ nextCheckInMs: 2000 });
  });

  it('commits on a present marker, reports a fence\'s rollback as applied, and leaves a row decided meanwhile alone', () => {
    expect(planCheck({ kind: 'marker', outcome: 'present' }, context)).toEqual({
      action: 'resolve', result: 'COMMIT', decision: 'COMMIT', note: "committed: its local transaction's marker is present",
    });
    expect(planCheck({ kind: 'marker', outcome: 'fenced' }, context)).toEqual({
      action: 'resolved', result: 'ROLLBACK', decision: 'ROLLBACK', note: MARKER_FENCE_NOTE,
    });
    expect(planCheck({ kind: 'marker', outcome: 'settled' }, context)).toMatchObject({ action: 'none' });
  });

  it('never counts nor parks a marker check, whatever checks the row had', () => {
    const used = { ...context, checkCount: context.maxChecks };
    for (const outcome of ['present', 'fenced', 'settled'] as const) {
      const plan = planCheck({ kind: 'marker', outcome }, used);
      expect(plan.action).not.toBe('defer');
    }
  });

  it('tells an unreachable checker from a failing one', () => {
    expect(answerFromError(new CheckerUnavailableError('g', 'down')).kind).toBe('unreachable');
    expect(answerFromError(new CheckerFailedError('g', 'threw')).kind).toBe('failed');
    expect(answerFromError(new Error('anything')).kind).toBe('failed');
  });
});
