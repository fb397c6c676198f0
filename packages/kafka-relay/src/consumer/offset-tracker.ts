/**
 * Which records of one fetched batch have finished, and so how far the partition's offset may
 * move: up to the last record before the lowest unfinished one, never past it, whatever finished
 * after it. Records finish out of order when records of different keys run concurrently.
 */
export class OffsetTracker {
  private readonly finished: boolean[];
  /** Index of the lowest unfinished record (= offsets.length when all finished). */
  private low = 0;

  /** `offsets`: the batch's record offsets, ascending (Kafka offsets as strings, gaps allowed). */
  constructor(private readonly offsets: readonly string[]) {
    this.finished = new Array<boolean>(offsets.length).fill(false);
  }

  /**
   * Marks the record at `index` finished. Returns the offset of the last record of the finished
   * prefix when that prefix grew (the offset to resolve), else undefined.
   */
  finish(index: number): string | undefined {
    if (index < 0 || index >= this.offsets.length) throw new RangeError(`no record ${index} in this batch`);
    if (this.finished[index]) throw new Error(`record ${index} finished twice`);
    this.finished[index] = true;
    if (index !== this.low) return undefined;
    while (this.low < this.offsets.length && this.finished[this.low]) this.low += 1;
    return this.offsets[this.low - 1];
  }

  /** Offset of the last record of the finished prefix, or undefined if the first is unfinished. */
  get lastContiguous(): string | undefined {
    return this.low === 0 ? undefined : this.offsets[this.low - 1];
  }

  /** Offset of the lowest unfinished record, or undefined when all finished. */
  get lowestUnfinished(): string | undefined {
    return this.offsets[this.low];
  }
}
