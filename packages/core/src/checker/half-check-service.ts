import { CheckerFailedError } from '../errors.js';
import { TypedEvents } from '../events.js';
import { applyHalfDecision } from '../half/apply-half-decision.js';
import { BackgroundLoop } from '../lifecycle/background-loop.js';
import type { LocalTransactionState } from '../half/local-transaction-state.js';
import type { SqlExecutor } from '../ports.js';
import { claimDueHalfMessages, type DueHalfRow } from '../sql/claim-due-half-messages.js';
import { deferHalfCheck } from '../sql/defer-half-check.js';
import { fenceHalfMessage } from '../sql/fence-half-message.js';
import { findTxMarker } from '../sql/find-tx-marker.js';
import { halfAgeSnapshot, type HalfAgeRow } from '../sql/half-age-snapshot.js';
import { pruneTxMarkers } from '../sql/prune-tx-markers.js';
import type { HalfDecision } from '../sql/resolve-half-message.js';
import { answerFromError, MARKER_FENCE_NOTE, planCheck, type CheckAnswer, type CheckPlan, type CheckResult } from './check-decision.js';
import { defaultCheckerRegistry } from './checker-registry.js';
import type { CheckerResolver, HalfMessageView } from './checker-types.js';
import { resolveHalfCheckSettings, type HalfCheckOptions, type ResolvedHalfCheckSettings } from './half-check-settings.js';
import type { HalfAgeSnapshot, HalfCheckEvents, HalfCheckStats } from './half-check-events.js';
import { toHalfMessageView } from './half-message-view.js';
import { withTimeout } from '../with-timeout.js';

export type { HalfAgeSnapshot, HalfCheckEvents, HalfCheckStats } from './half-check-events.js';

export interface HalfCheckServiceOptions extends HalfCheckOptions {
  /** Runs the service's statements, each on its own (autocommit): a pg Pool or Prisma client executor. */
  executor: SqlExecutor;
  /** Where checkers are found. Default: the default CheckerRegistry of this process. */
  checker?: CheckerResolver;
}

/**
 * The back-check (RocketMQ's broker-side `checkLocalTransaction` loop). Every `pollIntervalMs` it
 * claims HALF messages due for a check (see claim-due-half-messages.ts), and for each:
 *
 * - messages whose local transaction ran in this database (`marker_check`): the marker decides,
 *   with no checker involved — present → COMMIT; none once the deadline passed → ROLLBACK, fenced
 *   so the local transaction can no longer commit (fence-half-message.ts);
 * - other messages: the producer group's checker is asked; COMMIT / ROLLBACK are applied by
 *   compare-and-set; UNKNOWN or a checker error counts one check and schedules the next; a check
 *   that reaches no checker is not counted; the check that uses up `maxChecks` parks the message.
 *
 * Standalone: `new HalfCheckService({ executor, checker }).start()`. The Relay starts one for you.
 */
export class HalfCheckService {
  readonly settings: ResolvedHalfCheckSettings;
  readonly events: TypedEvents<HalfCheckEvents>;
  private readonly executor: SqlExecutor;
  private readonly checker: CheckerResolver;
  private readonly stats_: HalfCheckStats = {
    checks: { COMMIT: 0, ROLLBACK: 0, UNKNOWN: 0, ERROR: 0, UNREACHABLE: 0 },
    markerChecks: 0,
    resolved: { COMMIT: 0, ROLLBACK: 0 },
    parked: 0,
    conflicts: 0,
    passes: 0,
    failures: 0,
    ages: undefined,
  };
  /** The check passes, the age gauge and the marker pruning: three loops, each on its own schedule. */
  private readonly passes: BackgroundLoop;
  private readonly ageSnapshots: BackgroundLoop;
  private readonly markerPrunes: BackgroundLoop;
  private readonly unreachableLoggedAt = new Map<string, number>();
  private parkedWarned = { count: 0, at: 0 };

  constructor(options: HalfCheckServiceOptions) {
    this.settings = resolveHalfCheckSettings(options);
    this.events = new TypedEvents<HalfCheckEvents>(this.settings.logger);
    this.executor = options.executor;
    this.checker = options.checker ?? defaultCheckerRegistry();
    const { logger, backoff } = this.settings;
    this.passes = new BackgroundLoop({
      what: 'half-message check pass',
      // A full batch: more may be due, look again at once.
      tick: async () => ((await this.checkOnce()) >= this.settings.batchSize ? 'again' : 'idle'),
      minIdleMs: this.settings.pollIntervalMs,
      backoff,
      // nudge() looks now, after a failed pass too.
      wakeEndsBackoff: true,
      logger,
      onError: (error, consecutiveFailures) => {
        this.stats_.failures += 1;
        this.events.emit('half:check-error', { error, consecutiveFailures });
      },
    });
    this.ageSnapshots = new BackgroundLoop({
      what: 'half-message age snapshot',
      tick: async () => {
        await this.snapshotAges();
        return 'idle';
      },
      minIdleMs: this.settings.ageSnapshotIntervalMs,
      backoff,
      logger,
    });
    this.markerPrunes = new BackgroundLoop({
      what: 'transaction marker pruning',
      tick: async () => {
        const pruned = await this.pruneMarkers();
        if (pruned > 0) logger.debug('pruned transaction markers', { pruned });
        return 'idle';
      },
      initialDelayMs: this.settings.markerPruneIntervalMs,
      minIdleMs: this.settings.markerPruneIntervalMs,
      backoff,
      logger,
    });
  }

  get stats(): HalfCheckStats {
    return {
      ...this.stats_,
      checks: { ...this.stats_.checks },
      resolved: { ...this.stats_.resolved },
    };
  }

  get isRunning(): boolean {
    return this.passes.isRunning;
  }

  start(): void {
    if (this.passes.isRunning) return;
    this.passes.start();
    this.ageSnapshots.start();
    this.markerPrunes.start();
    this.settings.logger.info('half-message check service started', {
      checkImmunityMs: this.settings.checkImmunityMs,
      checkIntervalMs: this.settings.checkIntervalMs,
      maxChecks: this.settings.maxChecks,
    });
  }

  /** Lets the checks in flight finish, then stops. */
  async stop(): Promise<void> {
    if (!this.passes.isRunning) return;
    await Promise.all([this.passes.stop(), this.ageSnapshots.stop(), this.markerPrunes.stop()]);
  }

  /** Looks now instead of at the next poll. */
  nudge(): void {
    this.passes.wake();
  }

  /** One pass: claims the due messages and checks them. Returns how many were checked. */
  async checkOnce(): Promise<number> {
    const rows = await this.executor.query<DueHalfRow>(
      claimDueHalfMessages(this.settings.tables.outbox, {
        limit: this.settings.batchSize,
        immunityMs: this.settings.checkImmunityMs,
        leaseMs: this.settings.leaseMs,
      }),
    );
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const row = rows[next++]!;
        await this.checkRow(row);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, rows.length) }, worker));
    this.stats_.passes += 1;
    return rows.length;
  }

  /** Measures HALF rows by age now (also done every `ageSnapshotIntervalMs` while running). */
  async snapshotAges(): Promise<HalfAgeSnapshot> {
    const [row] = await this.executor.query<HalfAgeRow>(halfAgeSnapshot(this.settings.tables.outbox, this.settings.ageBucketsMs));
    const counts = (row?.le_counts ?? []).map(Number);
    const snapshot: HalfAgeSnapshot = {
      at: new Date(),
      total: Number(row?.total ?? 0),
      parked: Number(row?.parked ?? 0),
      oldestAgeMs: Number(row?.oldest_age_ms ?? 0),
      buckets: this.settings.ageBucketsMs.map((leMs, i) => ({ leMs, count: counts[i] ?? 0 })),
    };
    this.stats_.ages = snapshot;
    this.events.emit('half:ages', snapshot);
    this.warnAboutParked(snapshot.parked);
    return snapshot;
  }

  /** Deletes old markers of decided messages (also done every `markerPruneIntervalMs` while running). */
  pruneMarkers(): Promise<number> {
    return this.executor.execute(pruneTxMarkers(this.settings.tables.marker, this.settings.tables.outbox, this.settings.markerRetentionMs));
  }

  private async checkRow(row: DueHalfRow): Promise<void> {
    const startedAt = performance.now();
    const via = row.marker_check ? 'marker' : 'checker';
    const checkCount = Number(row.check_count);
    const answer = row.marker_check ? await this.readMarker(row) : await this.askChecker(row);
    const plan = planCheck(answer, { checkCount, maxChecks: this.settings.maxChecks, schedule: this.settings.checkSchedule });
    const error = answer.kind === 'failed' || answer.kind === 'unreachable' ? answer.error : undefined;
    switch (plan.action) {
      case 'none':
        return;
      case 'resolved':
        this.record(row, plan.result, via, checkCount, startedAt, error);
        this.stats_.resolved[plan.decision] += 1;
        this.events.emit('half:resolved', { id: row.id, producerGroup: row.producer_group, decision: plan.decision, by: via });
        return;
      case 'resolve':
        this.record(row, plan.result, via, checkCount, startedAt, error);
        await this.decide(row, plan.decision, plan.note, via);
        return;
      case 'defer':
        await this.defer(row, plan, via, checkCount, startedAt, error);
    }
  }

  private async askChecker(row: DueHalfRow): Promise<CheckAnswer> {
    // Outside the try: a row that cannot be decoded fails the pass, it is not the checker failing.
    const view = toHalfMessageView(row);
    if (!row.producer_group) {
      return { kind: 'failed', error: new CheckerFailedError('(none)', 'the half message has no producer group to ask') };
    }
    try {
      return { kind: 'answered', state: await this.checkWithin(view) };
    } catch (error) {
      return answerFromError(error);
    }
  }

  /** The default checker for local transactions in the outbox's own database: their marker. */
  private async readMarker(row: DueHalfRow): Promise<CheckAnswer> {
    const { outbox, marker } = this.settings.tables;
    const transactionId = row.transaction_id ?? row.id;
    this.stats_.markerChecks += 1;
    if ((await this.executor.query(findTxMarker(marker, transactionId))).length > 0) return { kind: 'marker', outcome: 'present' };
    const fenced = await this.executor.query(fenceHalfMessage(outbox, marker, row.id, transactionId, MARKER_FENCE_NOTE));
    if (fenced.length > 0) return { kind: 'marker', outcome: 'fenced' };
    // The fence waited for a local transaction still running, and it committed (or the row was
    // decided meanwhile): read the marker again, in a new snapshot.
    const after = await this.executor.query(findTxMarker(marker, transactionId));
    return { kind: 'marker', outcome: after.length > 0 ? 'present' : 'settled' };
  }

  /** No decision: count the check (or not), schedule the next one, or park the row. */
  private async defer(
    row: DueHalfRow,
    plan: Extract<CheckPlan, { action: 'defer' }>,
    via: 'checker' | 'marker',
    checkCount: number,
    startedAt: number,
    error: unknown,
  ): Promise<void> {
    const counted = await this.executor.query<{ check_count: number }>(
      deferHalfCheck(this.settings.tables.outbox, row.id, {
        seenCheckCount: checkCount,
        counted: plan.counted,
        nextCheckInMs: plan.nextCheckInMs,
        park: plan.park,
        note: plan.note,
      }),
    );
    this.record(row, plan.result, via, checkCount + plan.counted, startedAt, error);
    if (plan.result === 'UNREACHABLE') this.logUnreachable(row, error);
    else if (plan.result === 'ERROR') this.settings.logger.warn('half-message checker failed', { messageId: row.id, producerGroup: row.producer_group, error });
    if (plan.park && counted.length > 0) {
      this.stats_.parked += 1;
      this.settings.logger.error('half message parked: maxChecks reached without a decision', {
        messageId: row.id,
        producerGroup: row.producer_group,
        checks: checkCount + 1,
        reason: plan.note,
      });
      this.events.emit('half:parked', { id: row.id, producerGroup: row.producer_group, checkCount: checkCount + 1, reason: plan.note });
    }
  }

  private async decide(row: DueHalfRow, decision: HalfDecision, note: string, by: 'checker' | 'marker'): Promise<void> {
    // The row was claimed, so a gone row was published and deleted: classified, not "missing".
    const applied = await applyHalfDecision(this.executor, this.settings.tables.outbox, row.id, decision, note, { rowExisted: true });
    if (applied.outcome === 'applied') {
      this.stats_.resolved[decision] += 1;
      this.events.emit('half:resolved', { id: row.id, producerGroup: row.producer_group, decision, by });
    } else if (applied.outcome === 'conflict') {
      this.stats_.conflicts += 1;
      this.settings.logger.warn('back-check decision rejected: a different decision was applied first', {
        messageId: row.id,
        attempted: decision,
        currentStatus: applied.currentStatus,
      });
      this.events.emit('half:conflict', { id: row.id, attempted: decision, currentStatus: applied.currentStatus, by });
    }
  }

  private record(row: DueHalfRow, result: CheckResult, via: 'checker' | 'marker', checkCount: number, startedAt: number, error?: unknown): void {
    this.stats_.checks[result] += 1;
    if (!this.events.has('half:checked')) return;
    this.events.emit('half:checked', {
      id: row.id,
      producerGroup: row.producer_group,
      result,
      via,
      checkCount,
      durationMs: performance.now() - startedAt,
      ...(error === undefined ? {} : { error }),
    });
  }

  /** Says so when parked messages appear or change in number, and every 5 minutes while they wait. */
  private warnAboutParked(parked: number): void {
    const now = Date.now();
    if (parked === 0 || (parked === this.parkedWarned.count && now - this.parkedWarned.at < 300_000)) {
      if (parked === 0) this.parkedWarned = { count: 0, at: 0 };
      return;
    }
    this.parkedWarned = { count: parked, at: now };
    this.settings.logger.warn('parked half messages are waiting for an operator (outbox-relay half list --parked)', { parked });
  }

  /** One warning per group per minute: an application outage must not flood the log. */
  private logUnreachable(row: DueHalfRow, error: unknown): void {
    const group = row.producer_group ?? '';
    const now = Date.now();
    if (now - (this.unreachableLoggedAt.get(group) ?? 0) < 60_000) return;
    this.unreachableLoggedAt.set(group, now);
    this.settings.logger.warn('no checker reachable for a producer group; checks are not counted meanwhile', {
      producerGroup: group,
      messageId: row.id,
      error,
    });
  }

  private checkWithin(view: HalfMessageView): Promise<LocalTransactionState> {
    const ms = this.settings.checkTimeoutMs;
    return withTimeout(this.checker.check(view), ms, () => new CheckerFailedError(view.producerGroup, `no answer within checkTimeoutMs (${ms} ms)`));
  }

}
