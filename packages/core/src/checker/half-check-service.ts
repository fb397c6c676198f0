import { CheckerFailedError } from '../errors.js';
import { TypedEvents } from '../events.js';
import { applyHalfDecision } from '../half/apply-half-decision.js';
import type { LocalTransactionState } from '../half/local-transaction-state.js';
import type { SqlExecutor } from '../ports.js';
import { claimDueHalfMessages, type DueHalfRow } from '../sql/claim-due-half-messages.js';
import { deferHalfCheck } from '../sql/defer-half-check.js';
import { fenceHalfMessage } from '../sql/fence-half-message.js';
import { findTxMarker } from '../sql/find-tx-marker.js';
import { halfAgeSnapshot, type HalfAgeRow } from '../sql/half-age-snapshot.js';
import { pruneTxMarkers } from '../sql/prune-tx-markers.js';
import type { HalfDecision } from '../sql/resolve-half-message.js';
import { answerFromError, planCheck, type CheckAnswer, type CheckResult } from './check-decision.js';
import { defaultCheckerRegistry } from './checker-registry.js';
import type { CheckerResolver, HalfMessageView } from './checker-types.js';
import { resolveHalfCheckSettings, type HalfCheckOptions, type ResolvedHalfCheckSettings } from './half-check-settings.js';
import type { HalfAgeSnapshot, HalfCheckEvents, HalfCheckStats } from './half-check-events.js';
import { toHalfMessageView } from './half-message-view.js';
import { WakeableSleep } from '../wakeable-sleep.js';
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
  private running = false;
  private loopDone: Promise<void> | undefined;
  private readonly idle = new WakeableSleep();
  private lastAgesAt = 0;
  private lastPruneAt = 0;
  private readonly unreachableLoggedAt = new Map<string, number>();
  private parkedWarned = { count: 0, at: 0 };

  constructor(options: HalfCheckServiceOptions) {
    this.settings = resolveHalfCheckSettings(options);
    this.events = new TypedEvents<HalfCheckEvents>(this.settings.logger);
    this.executor = options.executor;
    this.checker = options.checker ?? defaultCheckerRegistry();
    this.lastPruneAt = Date.now();
  }

  get stats(): HalfCheckStats {
    return {
      ...this.stats_,
      checks: { ...this.stats_.checks },
      resolved: { ...this.stats_.resolved },
    };
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.run();
    this.settings.logger.info('half-message check service started', {
      checkImmunityMs: this.settings.checkImmunityMs,
      checkIntervalMs: this.settings.checkIntervalMs,
      maxChecks: this.settings.maxChecks,
    });
  }

  /** Lets the checks in flight finish, then stops. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.idle.wake();
    await this.loopDone;
  }

  /** Looks now instead of at the next poll. */
  nudge(): void {
    this.idle.wake();
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

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const checked = await this.checkOnce();
        await this.housekeeping();
        failures = 0;
        if (checked >= this.settings.batchSize) continue;
        await this.sleep(this.settings.pollIntervalMs);
      } catch (error) {
        failures += 1;
        this.stats_.failures += 1;
        this.events.emit('half:check-error', { error, consecutiveFailures: failures });
        this.settings.logger.warn('half-message check pass failed; backing off', { error, consecutiveFailures: failures });
        await this.sleep(this.settings.backoff(failures));
      }
    }
  }

  private async housekeeping(): Promise<void> {
    const now = Date.now();
    if (now - this.lastAgesAt >= this.settings.ageSnapshotIntervalMs) {
      this.lastAgesAt = now;
      await this.snapshotAges();
    }
    if (now - this.lastPruneAt >= this.settings.markerPruneIntervalMs) {
      this.lastPruneAt = now;
      const pruned = await this.pruneMarkers();
      if (pruned > 0) this.settings.logger.debug('pruned transaction markers', { pruned });
    }
  }

  private async checkRow(row: DueHalfRow): Promise<void> {
    const startedAt = performance.now();
    if (row.marker_check) {
      await this.markerCheck(row, startedAt);
      return;
    }
    const view = toHalfMessageView(row);
    let answer: CheckAnswer;
    if (!row.producer_group) {
      answer = { kind: 'failed', error: new CheckerFailedError('(none)', 'the half message has no producer group to ask') };
    } else {
      try {
        answer = { kind: 'answered', state: await this.checkWithin(view) };
      } catch (error) {
        answer = answerFromError(error);
      }
    }
    const plan = planCheck(answer, { checkCount: view.checkCount, maxChecks: this.settings.maxChecks, schedule: this.settings.checkSchedule });
    const error = answer.kind === 'answered' ? undefined : answer.error;
    if (plan.action === 'resolve') {
      this.record(row, plan.result, 'checker', view.checkCount, startedAt, error);
      await this.decide(row, plan.decision, plan.note, 'checker');
      return;
    }
    const counted = await this.executor.query<{ check_count: number }>(
      deferHalfCheck(this.settings.tables.outbox, row.id, {
        seenCheckCount: view.checkCount,
        counted: plan.counted,
        nextCheckInMs: plan.nextCheckInMs,
        park: plan.park,
        note: plan.note,
      }),
    );
    this.record(row, plan.result, 'checker', view.checkCount + plan.counted, startedAt, error);
    if (plan.result === 'UNREACHABLE') this.logUnreachable(row, error);
    else if (plan.result === 'ERROR') this.settings.logger.warn('half-message checker failed', { messageId: row.id, producerGroup: row.producer_group, error });
    if (plan.park && counted.length > 0) {
      this.stats_.parked += 1;
      this.settings.logger.error('half message parked: maxChecks reached without a decision', {
        messageId: row.id,
        producerGroup: row.producer_group,
        checks: view.checkCount + 1,
        reason: plan.note,
      });
      this.events.emit('half:parked', { id: row.id, producerGroup: row.producer_group, checkCount: view.checkCount + 1, reason: plan.note });
    }
  }

  /** The default checker for local transactions in the outbox's own database. */
  private async markerCheck(row: DueHalfRow, startedAt: number): Promise<void> {
    const { outbox, marker } = this.settings.tables;
    const transactionId = row.transaction_id ?? row.id;
    const checkCount = Number(row.check_count);
    this.stats_.markerChecks += 1;
    const found = await this.executor.query(findTxMarker(marker, transactionId));
    if (found.length > 0) {
      this.record(row, 'COMMIT', 'marker', checkCount, startedAt);
      await this.decide(row, 'COMMIT', 'committed: its local transaction\'s marker is present', 'marker');
      return;
    }
    const fenced = await this.executor.query(
      fenceHalfMessage(outbox, marker, row.id, transactionId, 'rolled back: no marker of its local transaction after its deadline'),
    );
    if (fenced.length > 0) {
      this.record(row, 'ROLLBACK', 'marker', checkCount, startedAt);
      this.stats_.resolved.ROLLBACK += 1;
      this.events.emit('half:resolved', { id: row.id, producerGroup: row.producer_group, decision: 'ROLLBACK', by: 'marker' });
      return;
    }
    // The fence waited for a local transaction still running, and it committed (or the row was
    // decided meanwhile): read the marker again, in a new snapshot.
    const after = await this.executor.query(findTxMarker(marker, transactionId));
    if (after.length > 0) {
      this.record(row, 'COMMIT', 'marker', checkCount, startedAt);
      await this.decide(row, 'COMMIT', 'committed: its local transaction\'s marker is present', 'marker');
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

  private sleep(ms: number): Promise<void> {
    return this.running ? this.idle.sleep(ms) : Promise.resolve();
  }

}
