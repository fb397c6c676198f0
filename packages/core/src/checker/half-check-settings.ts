import { InvalidConfigError } from '../errors.js';
import { createConsoleLogger, type Logger } from '../logger.js';
import { exponentialBackoff, type BackoffPolicy } from '../retry-policy.js';
import { positiveInteger } from '../setting-checks.js';
import { qualifyTables, type QualifiedTables, type TableNamesOptions } from '../sql/identifiers.js';
import { fixedCheckSchedule, type CheckSchedule } from './check-decision.js';

export interface HalfCheckOptions {
  /** Table and schema names; must match the Outbox's. */
  tables?: TableNamesOptions;
  /** Age of a HALF row before its first check, ms; the immunity uses no checks. Default 6,000 (RocketMQ `transactionTimeOut`). */
  checkImmunityMs?: number;
  /** Wait between two checks of one message, ms. Default 30,000 (RocketMQ `transactionCheckInterval`). */
  checkIntervalMs?: number;
  /** Wait after the n-th counted check, overriding `checkIntervalMs` (e.g. growing waits). Default: fixed. */
  checkSchedule?: CheckSchedule;
  /** Counted checks (UNKNOWN answers, checker errors) before a message is parked. Default 15 (RocketMQ `transactionCheckMax`). */
  maxChecks?: number;
  /** How often the service looks for messages due for a check, ms. Default 1,000. */
  pollIntervalMs?: number;
  /** Messages claimed per look. Default 100. */
  batchSize?: number;
  /** Checks in flight at once. Default 8. */
  concurrency?: number;
  /** How long a claimed message is kept from other relays while its check runs, ms. Default 60,000. */
  leaseMs?: number;
  /** Longest a checker call may take before it counts as a failed check, ms. Default 30,000. */
  checkTimeoutMs?: number;
  /** Upper bounds of the HALF-rows-by-age gauge, ms. Default 6 s, 30 s, 1 min, 5 min, 30 min, 1 h. */
  ageBucketsMs?: number[];
  /** How often the age gauge is refreshed, ms. Default 10,000. */
  ageSnapshotIntervalMs?: number;
  /** Markers of decided messages older than this are deleted, ms. Default 86,400,000 (a day). */
  markerRetentionMs?: number;
  /** How often old markers are pruned, ms. Default 3,600,000. */
  markerPruneIntervalMs?: number;
  /** Wait after consecutive database failures. Default: exponential, 100 ms to 30 s, jittered. */
  backoff?: BackoffPolicy;
  logger?: Logger;
}

export const DEFAULT_HALF_CHECK_OPTIONS = Object.freeze({
  checkImmunityMs: 6_000,
  checkIntervalMs: 30_000,
  maxChecks: 15,
  pollIntervalMs: 1_000,
  batchSize: 100,
  concurrency: 8,
  leaseMs: 60_000,
  checkTimeoutMs: 30_000,
  ageBucketsMs: Object.freeze([6_000, 30_000, 60_000, 300_000, 1_800_000, 3_600_000]) as readonly number[],
  ageSnapshotIntervalMs: 10_000,
  markerRetentionMs: 86_400_000,
  markerPruneIntervalMs: 3_600_000,
});

export interface ResolvedHalfCheckSettings {
  tables: QualifiedTables;
  checkImmunityMs: number;
  checkIntervalMs: number;
  checkSchedule: CheckSchedule;
  maxChecks: number;
  pollIntervalMs: number;
  batchSize: number;
  concurrency: number;
  leaseMs: number;
  checkTimeoutMs: number;
  ageBucketsMs: readonly number[];
  ageSnapshotIntervalMs: number;
  markerRetentionMs: number;
  markerPruneIntervalMs: number;
  backoff: BackoffPolicy;
  logger: Logger;
}

export function resolveHalfCheckSettings(options: HalfCheckOptions = {}): ResolvedHalfCheckSettings {
  const d = DEFAULT_HALF_CHECK_OPTIONS;
  const checkIntervalMs = options.checkIntervalMs ?? d.checkIntervalMs;
  const settings: ResolvedHalfCheckSettings = {
    tables: qualifyTables(options.tables),
    checkImmunityMs: options.checkImmunityMs ?? d.checkImmunityMs,
    checkIntervalMs,
    checkSchedule: options.checkSchedule ?? fixedCheckSchedule(checkIntervalMs),
    maxChecks: options.maxChecks ?? d.maxChecks,
    pollIntervalMs: options.pollIntervalMs ?? d.pollIntervalMs,
    batchSize: options.batchSize ?? d.batchSize,
    concurrency: options.concurrency ?? d.concurrency,
    leaseMs: options.leaseMs ?? d.leaseMs,
    checkTimeoutMs: options.checkTimeoutMs ?? d.checkTimeoutMs,
    ageBucketsMs: [...(options.ageBucketsMs ?? d.ageBucketsMs)],
    ageSnapshotIntervalMs: options.ageSnapshotIntervalMs ?? d.ageSnapshotIntervalMs,
    markerRetentionMs: options.markerRetentionMs ?? d.markerRetentionMs,
    markerPruneIntervalMs: options.markerPruneIntervalMs ?? d.markerPruneIntervalMs,
    backoff: options.backoff ?? exponentialBackoff(),
    logger: options.logger ?? createConsoleLogger('info', { component: 'outbox-half-check' }),
  };
  nonNegative('checkImmunityMs', settings.checkImmunityMs);
  positive('checkIntervalMs', settings.checkIntervalMs);
  positiveInteger('maxChecks', settings.maxChecks);
  positive('pollIntervalMs', settings.pollIntervalMs);
  positiveInteger('batchSize', settings.batchSize);
  positiveInteger('concurrency', settings.concurrency);
  positive('leaseMs', settings.leaseMs);
  positive('checkTimeoutMs', settings.checkTimeoutMs);
  positive('ageSnapshotIntervalMs', settings.ageSnapshotIntervalMs);
  positive('markerRetentionMs', settings.markerRetentionMs);
  positive('markerPruneIntervalMs', settings.markerPruneIntervalMs);
  if (settings.leaseMs < settings.checkTimeoutMs) {
    throw new InvalidConfigError('leaseMs', `must be at least checkTimeoutMs (${settings.checkTimeoutMs}): a check must end within its lease`);
  }
  if (typeof settings.checkSchedule !== 'function') throw new InvalidConfigError('checkSchedule', 'must be a function (checksSoFar) => ms');
  settings.ageBucketsMs.forEach((bound, i) => {
    positive(`ageBucketsMs[${i}]`, bound);
    if (i > 0 && bound <= settings.ageBucketsMs[i - 1]!) throw new InvalidConfigError('ageBucketsMs', 'must be increasing');
  });
  return settings;
}

function positive(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidConfigError(name, `must be a positive number, got ${String(value)}`);
  }
}

function nonNegative(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidConfigError(name, `must be zero or a positive number, got ${String(value)}`);
  }
}
