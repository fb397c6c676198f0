import { RelayLoop, type RelayLoopOptions } from './relay-loop.js';

/**
 * Batch pipelines ("lanes") of one relay instance. Each lane is a RelayLoop of its own that
 * claims, publishes and acknowledges only the leased partitions assigned to it, so while one
 * lane waits for the database another can be publishing: the database and Kafka halves of a
 * batch overlap instead of running strictly one after the other (bench/README.md, finding 3).
 *
 * Order is untouched because the assignment is fixed: a virtual partition always belongs to lane
 * `partition mod lanes`, whatever else the instance holds, and all messages of a key fall into
 * one partition. A key is therefore only ever handled by one lane, whose batches run one after
 * another, exactly as with a single loop.
 */

/** The lane that handles a virtual partition: fixed for the partition, independent of the rest. */
export function laneOf(partition: number, lanes: number): number {
  return partition % lanes;
}

/** The partitions of `partitions` that lane `lane` (of `lanes`) handles, in their given order. */
export function lanePartitions(partitions: readonly number[], lane: number, lanes: number): number[] {
  return partitions.filter((partition) => laneOf(partition, lanes) === lane);
}

export interface RelayLanesOptions extends Omit<RelayLoopOptions, 'step' | 'onError' | 'onRecovered' | 'logFields'> {
  /** Number of lanes (at least 1). */
  lanes: number;
  /** One unit of work of lane `lane`; returns how many rows it handled. */
  step: (lane: number) => Promise<number>;
  /** A step of `lane` failed; `consecutiveFailures` counts that lane's failures. */
  onError?: (error: unknown, consecutiveFailures: number, lane: number) => void;
  /** Every failing lane succeeded again; `downMs` since the first failure, `failedAttempts` over all lanes. */
  onResumed?: (outage: PublishingOutage) => void;
  /** Clock for the outage's length. Default performance.now. */
  now?: () => number;
}

/** A stretch of time during which at least one lane's steps failed. */
export interface PublishingOutage {
  downMs: number;
  failedAttempts: number;
}

/**
 * Runs one RelayLoop per lane. A lane that fails backs off on its own: the other lanes go on
 * (their partitions, and so their keys, are unaffected). `nudge()` wakes every lane; `stop()`
 * lets every lane finish its step in flight.
 *
 * Each failure is logged by its lane's loop; the end of an outage is logged here, once for the
 * instance ("publishing resumed"), when the last failing lane succeeds again — so an operator
 * sees how long publishing was down without counting lines (docs/guarantees.md §4.9).
 */
export class RelayLanes {
  private readonly loops: RelayLoop[];
  private readonly failing = new Set<number>();
  private outage: { startedAt: number; failedAttempts: number } | undefined;

  constructor(options: RelayLanesOptions) {
    const { lanes, step, onError, onResumed, now = () => performance.now(), ...loopOptions } = options;
    if (!Number.isInteger(lanes) || lanes < 1) throw new RangeError(`lanes must be a positive integer, got ${String(lanes)}`);
    const failed = (lane: number): void => {
      this.outage ??= { startedAt: now(), failedAttempts: 0 };
      this.outage.failedAttempts += 1;
      this.failing.add(lane);
    };
    const recovered = (lane: number): void => {
      this.failing.delete(lane);
      if (this.failing.size > 0 || !this.outage) return;
      const outage = { downMs: Math.round(now() - this.outage.startedAt), failedAttempts: this.outage.failedAttempts };
      this.outage = undefined;
      loopOptions.logger.info('publishing resumed', outage);
      onResumed?.(outage);
    };
    this.loops = Array.from(
      { length: lanes },
      (_, lane) =>
        new RelayLoop({
          ...loopOptions,
          step: () => step(lane),
          logFields: { lane },
          onError: (error, failures) => {
            failed(lane);
            onError?.(error, failures, lane);
          },
          onRecovered: () => recovered(lane),
        }),
    );
  }

  get lanes(): number {
    return this.loops.length;
  }

  get isRunning(): boolean {
    return this.loops.some((loop) => loop.isRunning);
  }

  start(): void {
    for (const loop of this.loops) loop.start();
  }

  /** Ends every lane's idle wait now: something was committed. */
  nudge(): void {
    for (const loop of this.loops) loop.nudge();
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }
}
