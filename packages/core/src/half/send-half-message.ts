import { describeError } from '../describe-error.js';
import { getDefaultOutbox } from '../default-outbox.js';
import {
  HalfMessageAlreadyResolvedError,
  HalfMessageInTransactionError,
  HalfMessageNotFoundError,
  InvalidConfigError,
  InvalidMessageError,
  LocalTransactionFencedError,
  LocalTransactionRollback,
  NestedTransactionError,
  NoActiveTransactionError,
  RollbackOnlyError,
} from '../errors.js';
import type { OutboxContract } from '../outbox-contract.js';
import type { SqlExecutor } from '../ports.js';
import { prepareMessage } from '../prepare-message.js';
import { insertHalfMessage } from '../sql/insert-half-message.js';
import { insertTxMarker } from '../sql/insert-tx-marker.js';
import { noteHalfMessage, type HalfDecision } from '../sql/resolve-half-message.js';
import { currentScope, runOutsideScope } from '../transaction/ambient-transaction.js';
import { applyHalfDecision } from './apply-half-decision.js';
import { assertHalfDecision, assertMessageIds } from './half-decision.js';
import type { HalfDecider } from './half-events.js';
import type { HalfMessageContext, HalfMessageInput, HalfSendResult, LocalTransaction, SendHalfOptions } from './half-message.js';
import { runWithHalfMessage } from './half-message-context.js';
import { isLocalTransactionState, type LocalTransactionMode, type LocalTransactionState } from './local-transaction-state.js';

/** Prisma's interactive-transaction defaults, used when neither the call nor the Outbox sets them. */
const DEFAULT_LOCAL_TIMEOUT_MS = 5_000;
const DEFAULT_LOCAL_MAX_WAIT_MS = 2_000;
/** Slack after the local transaction's last possible moment before the marker check may fence it. */
const MARKER_GRACE_MS = 1_000;
const MAX_NOTE_LENGTH = 2_000;

/**
 * Sends a half message and runs its local transaction, RocketMQ's `sendMessageInTransaction`:
 *
 * 1. the message is validated and written as `HALF` in its own short transaction (a bad message
 *    or a database failure throws here, and the local step does not run);
 * 2. the local step runs and yields COMMIT / ROLLBACK / UNKNOWN (see `LocalTransaction`);
 * 3. COMMIT moves the row to READY (the relay publishes it), ROLLBACK to ROLLED_BACK, both by
 *    compare-and-set; UNKNOWN leaves it HALF for the relay's back-check.
 *
 * It never throws because of the local step — what the step threw is in `result.error` — except
 * `HalfMessageAlreadyResolvedError` when a different decision got there first (for example the
 * checker rolled the message back while a slow local step was still running, and it then said
 * COMMIT): that one is logged and thrown, because the caller's work and the message now disagree.
 *
 * The forms of one operation, each for its own reason: this plain function (the default outbox,
 * or `options.outbox`), `outbox.sendHalf` (names its outbox, as `outbox.send` does), and the
 * `@HalfMessage` decorator (a method of a class with its dependencies is the local step, and its
 * return value reaches the caller; both go through `runHalfTransaction`).
 */
export async function sendHalf(
  message: HalfMessageInput,
  local: LocalTransaction,
  options: SendHalfOptions = {},
): Promise<HalfSendResult> {
  // Checked before the HALF row is written: a row whose local step can never run would only be
  // settled by the back-check, for a call that was a mistake.
  if (typeof local !== 'function') {
    throw new InvalidConfigError('local transaction', `must be a function (the local step, returning COMMIT, ROLLBACK or UNKNOWN), got ${typeof local}`);
  }
  const run = await runHalfTransaction(message, options, async (context) => {
    const state = await local(context);
    return { state: state ?? 'COMMIT', value: undefined };
  });
  if (run.conflict) throw run.conflict;
  return run.result;
}

/**
 * Applies a decision that arrives after `sendHalf` returned UNKNOWN (RocketMQ's "end transaction"
 * sent later, e.g. when a payment provider's webhook confirms). Resolves when applied or when the
 * same decision was already there; throws `HalfMessageAlreadyResolvedError` when the other one was.
 *
 * Checked before any SQL runs: `decision` must be exactly "COMMIT" or "ROLLBACK"
 * (`InvalidHalfDecisionError`; no lower-case aliases — a decision cannot be taken back, so it is
 * never guessed), `id` a UUID (`InvalidMessageIdError`). An id no row has throws
 * `HalfMessageNotFoundError`. In each case nothing is changed.
 */
export async function resolveHalf(
  id: string,
  decision: HalfDecision,
  options: { outbox?: OutboxContract; note?: string } = {},
): Promise<void> {
  assertMessageIds([id]);
  assertHalfDecision(decision);
  const note = options.note ?? null;
  if (note !== null && (typeof note !== 'string' || note.includes('\u0000'))) {
    throw new InvalidConfigError('note', 'must be a string without NUL characters (it is stored in last_error)');
  }
  const outbox = options.outbox ?? getDefaultOutbox();
  const conflict = await decide(outbox, id, null, decision, note === null ? null : note.slice(0, MAX_NOTE_LENGTH), 'producer', { rowExisted: false });
  if (conflict) throw conflict;
}

/** What the local step produced, for the decorator: its state, and the method's return value. */
export interface LocalRun<T> {
  state: LocalTransactionState;
  value: T;
}

/** Internal: write the half row, run the local step, apply its outcome. Used by sendHalf and @HalfMessage. */
export async function runHalfTransaction<T>(
  message: HalfMessageInput,
  options: SendHalfOptions,
  runLocal: (context: HalfMessageContext) => Promise<LocalRun<T>>,
): Promise<{ result: HalfSendResult; value: T | undefined; conflict?: HalfMessageAlreadyResolvedError }> {
  if (currentScope()?.isOpen) throw new HalfMessageInTransactionError();
  const outbox = options.outbox ?? getDefaultOutbox();
  const mode: LocalTransactionMode = options.localTransaction ?? 'external';
  if (mode !== 'external' && mode !== 'database') {
    throw new InvalidConfigError('localTransaction', `must be "external" or "database", got "${String(mode)}"`);
  }
  const { producerGroup } = message;
  if (typeof producerGroup !== 'string' || producerGroup.length === 0 || producerGroup.length > 255) {
    throw new InvalidMessageError(
      'producerGroup',
      'is required for a half message (1 to 255 characters): set it to the group whose checker answers the back-check',
    );
  }
  const immunity = message.checkImmunityMs;
  if (immunity !== undefined && (!Number.isFinite(immunity) || immunity < 0)) {
    throw new InvalidMessageError('checkImmunityMs', `must be a non-negative number of ms, got ${String(immunity)}`);
  }
  const transactionId = message.transactionId ?? null;
  if (transactionId !== null && (typeof transactionId !== 'string' || transactionId.length === 0)) {
    throw new InvalidMessageError('transactionId', 'must be a non-empty string (or leave it out: the message id is used)');
  }
  const { producerGroup: _group, transactionId: _tx, checkImmunityMs: _imm, ...input } = message;
  const base = prepareMessage(input, { ...outbox.messageLimits, producerGroup });
  const prepared = { ...base, transactionId: transactionId ?? base.id };

  const timeoutMs = options.timeoutMs ?? outbox.settings.transaction.timeoutMs ?? DEFAULT_LOCAL_TIMEOUT_MS;
  const maxWaitMs = options.maxWaitMs ?? outbox.settings.transaction.maxWaitMs ?? DEFAULT_LOCAL_MAX_WAIT_MS;
  // database mode: the marker check is meaningful only once the local transaction can no longer
  // be running, so that is when it is first made (unless the message asks for another time).
  const firstCheckInMs = immunity ?? (mode === 'database' ? timeoutMs + maxWaitMs + MARKER_GRACE_MS : null);

  await withExecutor(outbox, (executor) =>
    executor.execute(
      insertHalfMessage(outbox.settings.tables.outbox, prepared, { firstCheckInMs, markerCheck: mode === 'database' }),
    ),
  );
  const context: HalfMessageContext = { messageId: prepared.id, transactionId: prepared.transactionId, producerGroup, mode };
  outbox.events.emit('half:written', { id: prepared.id, producerGroup, transactionId: prepared.transactionId, mode });

  const local = mode === 'database'
    ? await runDatabaseLocal(outbox, context, runLocal, { timeoutMs, maxWaitMs })
    : await runExternalLocal(context, runLocal);

  const result: HalfSendResult = {
    messageId: prepared.id,
    transactionId: prepared.transactionId,
    producerGroup,
    localState: local.state,
    status: 'HALF',
    ...(local.error === undefined ? {} : { error: local.error }),
  };

  if (local.state === 'UNKNOWN') {
    outbox.events.emit('half:undecided', { id: prepared.id, producerGroup, ...(local.error === undefined ? {} : { error: local.error }) });
    if (local.error !== undefined) {
      await withExecutor(outbox, (executor) =>
        executor.execute(noteHalfMessage(outbox.settings.tables.outbox, prepared.id, note('local transaction threw (UNKNOWN)', local.error))),
      ).catch((error: unknown) => outbox.settings.logger.warn('could not record the local error of a half message', { messageId: prepared.id, error }));
    }
    return { result, value: local.value };
  }

  const decision: HalfDecision = local.state;
  const reason = decision === 'ROLLBACK' && local.error !== undefined ? note('local transaction rolled back', local.error) : null;
  let conflict: HalfMessageAlreadyResolvedError | undefined;
  try {
    conflict = await decide(outbox, prepared.id, producerGroup, decision, reason, 'producer', { rowExisted: true });
    result.status = decision === 'COMMIT' ? 'READY' : 'ROLLED_BACK';
  } catch (error) {
    // The local step is done and cannot be undone; the back-check will settle the row.
    outbox.settings.logger.warn('could not apply the local decision of a half message; the back-check will resolve it', {
      messageId: prepared.id,
      decision,
      error,
    });
  }
  if (conflict) result.status = conflict.attempted === 'COMMIT' ? 'ROLLED_BACK' : 'READY';
  return conflict ? { result, value: local.value, conflict } : { result, value: local.value };
}

type LocalOutcome<T> = { state: LocalTransactionState; value: T | undefined; error?: unknown };

async function runExternalLocal<T>(
  context: HalfMessageContext,
  runLocal: (context: HalfMessageContext) => Promise<LocalRun<T>>,
): Promise<LocalOutcome<T>> {
  try {
    const { state, value } = await runWithHalfMessage(context, () => runLocal(context));
    return { state: checkedState(state), value };
  } catch (error) {
    // A throw may come after the local work took effect: RocketMQ treats it as UNKNOWN too.
    if (error instanceof LocalTransactionRollback) return { state: 'ROLLBACK', value: undefined, error };
    return { state: 'UNKNOWN', value: undefined, error };
  }
}

/** Thrown inside the local database transaction to roll it back when the step returned ROLLBACK. */
class RollbackRequested extends Error {}

async function runDatabaseLocal<T>(
  outbox: OutboxContract,
  context: HalfMessageContext,
  runLocal: (context: HalfMessageContext) => Promise<LocalRun<T>>,
  timing: { timeoutMs: number; maxWaitMs: number },
): Promise<LocalOutcome<T>> {
  let workDone = false;
  try {
    const run = await outbox.transaction(async () => {
      const scope = currentScope(outbox);
      if (!scope) throw new NoActiveTransactionError('write a transaction marker');
      const marked = await scope.handle.executor.execute(insertTxMarker(outbox.settings.tables.marker, context.transactionId));
      if (marked === 0) throw new LocalTransactionFencedError(context.messageId, context.transactionId);
      const inner = await runWithHalfMessage(context, () => runLocal(context));
      const state = checkedState(inner.state);
      if (state === 'ROLLBACK') throw new RollbackRequested();
      workDone = true;
      return { state, value: inner.value };
    }, timing);
    // UNKNOWN here: the work committed with its marker; the marker check will say COMMIT.
    return { state: run.state, value: run.value };
  } catch (error) {
    if (error instanceof RollbackRequested) return { state: 'ROLLBACK', value: undefined };
    // The step threw (or was fenced), or outboxkit refused to commit it (a caught failure of a
    // joined call, a nested call left running; docs/guarantees.md §4.8): rolled back, and seen.
    if (!workDone || error instanceof RollbackOnlyError || error instanceof NestedTransactionError) {
      return { state: 'ROLLBACK', value: undefined, error };
    }
    // The step finished but the commit failed: it may or may not have committed. The marker knows.
    return { state: 'UNKNOWN', value: undefined, error };
  }
}

function checkedState(state: unknown): LocalTransactionState {
  if (isLocalTransactionState(state)) return state;
  // A wrong return value is a bug in the caller; deciding anything but UNKNOWN would be a guess.
  throw new InvalidConfigError('local transaction result', `must be COMMIT, ROLLBACK, UNKNOWN or nothing, got ${JSON.stringify(state)}`);
}

/**
 * Applies a decision, emits the event, and returns the conflict error (logged) when a different
 * decision had won. Throws `HalfMessageNotFoundError` for an id no row has (unless `rowExisted`:
 * then a gone row was published and deleted). Database errors propagate.
 */
export async function decide(
  outbox: OutboxContract,
  id: string,
  producerGroup: string | null,
  decision: HalfDecision,
  reason: string | null,
  by: HalfDecider,
  options: { rowExisted: boolean },
): Promise<HalfMessageAlreadyResolvedError | undefined> {
  const applied = await withExecutor(outbox, (executor) =>
    applyHalfDecision(executor, outbox.settings.tables.outbox, id, decision, reason, options),
  );
  if (applied.outcome === 'missing') throw new HalfMessageNotFoundError(id);
  if (applied.outcome === 'applied') {
    outbox.events.emit('half:resolved', { id, producerGroup: producerGroup ?? '', decision, by });
    return undefined;
  }
  if (applied.outcome === 'same') return undefined;
  outbox.settings.logger.error('late half-message decision rejected: a different decision was applied first', {
    messageId: id,
    attempted: decision,
    currentStatus: applied.currentStatus,
    by,
  });
  outbox.events.emit('half:conflict', { id, attempted: decision, currentStatus: applied.currentStatus, by });
  return new HalfMessageAlreadyResolvedError(id, decision, applied.currentStatus);
}

/** Runs statements in a short transaction of the Outbox's own, never in the caller's. */
function withExecutor<T>(outbox: OutboxContract, work: (executor: SqlExecutor) => Promise<T>): Promise<T> {
  return runOutsideScope(() =>
    outbox.transaction(async () => {
      const scope = currentScope(outbox);
      if (!scope) throw new NoActiveTransactionError('run a half-message statement');
      return work(scope.handle.executor);
    }),
  );
}

function note(prefix: string, error: unknown): string {
  const detail = describeError(error); // never throws, whatever the local transaction threw
  return `${prefix}: ${detail}`.slice(0, MAX_NOTE_LENGTH);
}
