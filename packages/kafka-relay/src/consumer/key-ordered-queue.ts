/**
 * Hands out the records of one fetched batch for concurrent processing while keeping per-key
 * order: a record is handed out only when no earlier record of its key is still running or
 * waiting, and among the records that may start, the one with the lowest offset goes first (so
 * the committable offset, which cannot pass an unfinished record, trails as little as possible).
 *
 * Pure bookkeeping over record indexes (offset order); the caller runs the records. Records with
 * a null key share one key: their relative order is kept, as it would be on the partition.
 */
export class KeyOrderedQueue {
  /** Next index the cursor has not looked at. */
  private cursor = 0;
  /** Keys with a record running. */
  private readonly busy = new Set<string>();
  /** Per key, its records passed over by the cursor because an earlier one of the key was busy, in order. */
  private readonly waiting = new Map<string, number[]>();
  /** Heads of `waiting` whose key is free again, ascending. */
  private readonly ready: number[] = [];
  private running = 0;

  constructor(private readonly keys: readonly string[]) {}

  /** Records handed out and not completed. */
  get inFlight(): number {
    return this.running;
  }

  /** True when every record was handed out (some may still be running). */
  get drained(): boolean {
    return this.cursor >= this.keys.length && this.ready.length === 0 && this.waiting.size === 0;
  }

  /** The lowest-offset record that may start now, marked running; undefined if none may. */
  next(): number | undefined {
    const readyIndex = this.ready.shift();
    if (readyIndex !== undefined) {
      const key = this.keys[readyIndex]!;
      const queue = this.waiting.get(key)!;
      queue.shift();
      if (queue.length === 0) this.waiting.delete(key);
      return this.take(readyIndex, key);
    }
    while (this.cursor < this.keys.length) {
      const index = this.cursor++;
      const key = this.keys[index]!;
      const queue = this.waiting.get(key);
      if (queue) {
        queue.push(index);
      } else if (this.busy.has(key)) {
        this.waiting.set(key, [index]);
      } else {
        return this.take(index, key);
      }
    }
    return undefined;
  }

  /** The record finished (committed, or routed to the retry / dead-letter topic): its key is free. */
  complete(index: number): void {
    const key = this.keys[index]!;
    if (!this.busy.delete(key)) throw new Error(`record ${index} was not running`);
    this.running -= 1;
    const head = this.waiting.get(key)?.[0];
    if (head === undefined) return;
    // Ascending insert; `ready` holds at most one record per key, so it stays short.
    let at = this.ready.length;
    while (at > 0 && this.ready[at - 1]! > head) at -= 1;
    this.ready.splice(at, 0, head);
  }

  private take(index: number, key: string): number {
    this.busy.add(key);
    this.running += 1;
    return index;
  }
}
