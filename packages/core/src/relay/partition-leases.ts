import { InvalidConfigError } from '../errors.js';
import { FifoMutex } from '../fifo-mutex.js';
import type { Logger } from '../logger.js';
import type { SqlExecutor } from '../ports.js';
import { acquireLeases } from '../sql/lease-acquire.js';
import type { LeaseFence } from '../sql/lease-fence.js';
import { heartbeatMember, leaveMembership, type RelayMember } from '../sql/lease-membership.js';
import { countLeasePartitions, ensureLeasePartitions } from '../sql/lease-partitions.js';
import { releaseAllLeases, releaseLeases } from '../sql/lease-release.js';
import { renewLeases, type LeaseRow } from '../sql/lease-renew.js';
import { fairShare, leaseValidUntil, planLeases } from './lease-math.js';
import { laneOf } from './relay-lanes.js';

export interface PartitionLeasesOptions {
  /** Runs single statements outside any batch transaction (a pool). */
  executor: SqlExecutor;
  /** Qualified, quoted lease and member tables. */
  leaseTable: string;
  memberTable: string;
  member: RelayMember;
  /** Virtual partitions; the lease table must hold exactly this many rows. */
  partitionCount: number;
  /** How long a lease lasts without renewal, ms. */
  leaseMs: number;
  /** How often leases are renewed and rebalanced, ms (well under leaseMs). */
  heartbeatMs: number;
  logger: Logger;
  /** Monotonic clock, ms. Default performance.now. */
  now?: () => number;
  /** Told whenever the set of held partitions changes. */
  onChange?: (change: LeaseChange) => void;
}

export interface LeaseChange {
  acquired: number[];
  lost: number[];
  released: number[];
  held: number;
}

/** What one batch runs under: the fence its statements carry and when its leases run out (local clock). */
export interface BatchLease {
  fence: LeaseFence;
  validUntil: number;
}

/** Which share of the held partitions a batch may use: lane `lane` of `lanes` (see relay-lanes.ts). */
export interface BatchLane {
  lane: number;
  lanes: number;
}

const SINGLE_LANE: BatchLane = Object.freeze({ lane: 0, lanes: 1 });

interface HeldLease extends LeaseRow {
  validUntil: number;
}

/**
 * This instance's share of the virtual partitions. A heartbeat (every `heartbeatMs`) records the
 * instance as alive, renews its leases, and moves it toward its fair share: acquiring free or
 * expired partitions, or giving up extras so a newcomer gets some. Giving up a partition waits
 * until no batch of ours is in flight on it, so a released partition never has a batch of ours
 * still running on it.
 *
 * Several batches may be in flight at once (one per lane of the relay): each one's fence holds
 * only the partitions of its lane, and no partition is ever in two in-flight fences. All lease
 * statements run one at a time (through one FifoMutex).
 */
export class PartitionLeases {
  private readonly held = new Map<number, HeldLease>();
  private pendingRelease: number[] = [];
  /** Partitions in the fence of a batch that has begun and not yet ended. */
  private readonly inFlight = new Set<number>();
  private readonly statements = new FifoMutex();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private live = 0;
  private lastOkAt: number | undefined;
  private readonly now: () => number;

  constructor(private readonly options: PartitionLeasesOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Creates missing lease rows, checks the partition count, takes a first share and starts the heartbeat. */
  async start(): Promise<void> {
    const { executor, leaseTable, partitionCount } = this.options;
    await executor.execute(ensureLeasePartitions(leaseTable, partitionCount));
    const [counted] = await executor.query<{ count: number; max: number }>(countLeasePartitions(leaseTable));
    if (!counted || counted.count !== partitionCount || counted.max !== partitionCount - 1) {
      throw new InvalidConfigError(
        'partitions',
        `this relay uses ${partitionCount} partitions but ${leaseTable} holds ${counted?.count ?? 0} ` +
          `(0..${counted?.max ?? -1}); every relay instance must use the same number. To change it, stop all ` +
          `relays, delete the rows of ${leaseTable} and start them with the new number.`,
      );
    }
    this.running = true;
    await this.heartbeat();
    this.schedule(this.options.heartbeatMs);
  }

  /** Run a heartbeat soon (another instance joined or left). */
  requestHeartbeat(): void {
    if (this.running) this.schedule(0);
  }

  /** Instances alive at the last heartbeat, this one included. */
  get liveInstances(): number {
    return this.live;
  }

  /** Partitions held (and not yet expired on the local clock). */
  get heldPartitions(): number[] {
    const now = this.now();
    return [...this.held.values()].filter((h) => h.validUntil > now).map((h) => h.partition).sort((a, b) => a - b);
  }

  /** Monotonic time of the last heartbeat that reached the database, if any. */
  get lastHeartbeatOkAt(): number | undefined {
    return this.lastOkAt;
  }

  /**
   * Called by a lane before claiming: gives up partitions a heartbeat decided to release (those no
   * batch has in flight), then returns the fence of the lane's leases that are still valid and in
   * no other batch, or undefined when there is none. Every fence returned must be handed back to
   * `endBatch` when the batch's transaction has ended.
   */
  beginBatch(lane: BatchLane = SINGLE_LANE): Promise<BatchLease | undefined> {
    return this.exclusive(async () => {
      if (this.pendingRelease.length > 0) await this.release(this.pendingRelease);
      const now = this.now();
      const pending = new Set(this.pendingRelease);
      const valid = [...this.held.values()].filter(
        (h) =>
          h.validUntil > now &&
          laneOf(h.partition, lane.lanes) === lane.lane &&
          !this.inFlight.has(h.partition) &&
          !pending.has(h.partition),
      );
      if (valid.length === 0) return undefined;
      for (const h of valid) this.inFlight.add(h.partition);
      return {
        fence: {
          leaseTable: this.options.leaseTable,
          instanceId: this.options.member.instanceId,
          partitionCount: this.options.partitionCount,
          partitions: valid.map((h) => h.partition),
          tokens: valid.map((h) => h.token),
        },
        validUntil: Math.min(...valid.map((h) => h.validUntil)),
      };
    });
  }

  /** The batch that ran under `lease` has ended (committed or rolled back). */
  endBatch(lease: BatchLease): void {
    for (const partition of lease.fence.partitions) this.inFlight.delete(partition);
  }

  /** One heartbeat: membership, renewal, rebalancing. */
  heartbeat(): Promise<void> {
    return this.exclusive(async () => {
      const { executor, leaseTable, memberTable, member, leaseMs, partitionCount, logger } = this.options;
      const sentAt = this.now();
      const [row] = await executor.query<{ live: number }>(heartbeatMember(memberTable, member, leaseMs));
      this.live = row?.live ?? 1;

      const lost: number[] = [];
      if (this.held.size > 0) {
        const renewed = await executor.query<LeaseRow>(renewLeases(leaseTable, member.instanceId, [...this.held.values()], leaseMs));
        const kept = new Set(renewed.map((r) => r.partition));
        for (const partition of [...this.held.keys()]) {
          if (!kept.has(partition)) {
            this.held.delete(partition);
            lost.push(partition);
          }
        }
        for (const r of renewed) this.held.set(r.partition, { ...r, validUntil: leaseValidUntil(sentAt, leaseMs) });
      }

      const plan = planLeases([...this.held.keys()], fairShare(partitionCount, this.live));
      const acquired: number[] = [];
      if (plan.acquire > 0) {
        const acquiredAt = this.now();
        const rows = await executor.query<LeaseRow>(acquireLeases(leaseTable, member.instanceId, plan.acquire, leaseMs));
        for (const r of rows) {
          this.held.set(r.partition, { ...r, validUntil: leaseValidUntil(acquiredAt, leaseMs) });
          acquired.push(r.partition);
        }
      }
      let released: number[] = [];
      this.pendingRelease = plan.release;
      if (plan.release.length > 0) released = await this.release(plan.release, false);
      this.lastOkAt = this.now();
      if (lost.length > 0) logger.warn('relay leases lost to another instance', { partitions: lost });
      if (acquired.length > 0 || lost.length > 0 || released.length > 0) {
        logger.info('relay leases changed', { acquired, lost, released, held: this.held.size, liveInstances: this.live });
        this.options.onChange?.({ acquired, lost, released, held: this.held.size });
      }
    });
  }

  /** Stops the heartbeat and gives every lease and the membership back. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.exclusive(async () => {
      const { executor, leaseTable, memberTable, member } = this.options;
      const released = await executor.query<{ partition: number }>(releaseAllLeases(leaseTable, member.instanceId));
      await executor.execute(leaveMembership(memberTable, member.instanceId));
      const partitions = released.map((r) => r.partition);
      this.held.clear();
      this.pendingRelease = [];
      this.options.logger.info('relay leases released', { partitions });
      this.options.onChange?.({ acquired: [], lost: [], released: partitions, held: 0 });
    });
  }

  /**
   * Gives up those of `partitions` no batch has in flight; the others stay pending until their
   * batch ends (the next beginBatch releases them).
   */
  private async release(partitions: readonly number[], report = true): Promise<number[]> {
    const busy = partitions.filter((p) => this.inFlight.has(p) && this.held.has(p));
    const leases = partitions
      .filter((p) => !this.inFlight.has(p))
      .map((p) => this.held.get(p))
      .filter((h): h is HeldLease => h !== undefined);
    this.pendingRelease = busy;
    if (leases.length === 0) return [];
    for (const h of leases) this.held.delete(h.partition);
    const rows = await this.options.executor.query<{ partition: number }>(
      releaseLeases(this.options.leaseTable, this.options.member.instanceId, leases),
    );
    const released = rows.map((r) => r.partition);
    if (report) {
      this.options.logger.info('relay leases changed', { acquired: [], lost: [], released, held: this.held.size, liveInstances: this.live });
      this.options.onChange?.({ acquired: [], lost: [], released, held: this.held.size });
    }
    return released;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.heartbeat()
        .catch((error: unknown) => this.options.logger.warn('relay lease heartbeat failed', { error }))
        .finally(() => {
          if (this.running && !this.timer) this.schedule(this.options.heartbeatMs);
        });
    }, delayMs);
    this.timer.unref?.();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.statements.run(work);
  }
}
