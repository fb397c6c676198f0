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

export interface RelayLanesOptions extends Omit<RelayLoopOptions, 'step' | 'onError'> {
  /** Number of lanes (at least 1). */
  lanes: number;
  /** One unit of work of lane `lane`; returns how many rows it handled. */
  step: (lane: number) => Promise<number>;
  /** A step of `lane` failed; `consecutiveFailures` counts that lane's failures. */
  onError?: (error: unknown, consecutiveFailures: number, lane: number) => void;
}

/**
 * Runs one RelayLoop per lane. A lane that fails backs off on its own: the other lanes go on
 * (their partitions, and so their keys, are unaffected). `nudge()` wakes every lane; `stop()`
 * lets every lane finish its step in flight.
 */
export class RelayLanes {
  private readonly loops: RelayLoop[];

  constructor(options: RelayLanesOptions) {
    const { lanes, step, onError, ...loopOptions } = options;
    if (!Number.isInteger(lanes) || lanes < 1) throw new RangeError(`lanes must be a positive integer, got ${String(lanes)}`);
    this.loops = Array.from(
      { length: lanes },
      (_, lane) =>
        new RelayLoop({
          ...loopOptions,
          step: () => step(lane),
          onError: onError ? (error, failures) => onError(error, failures, lane) : undefined,
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
