/**
 * A counting semaphore: at most `size` holders at once, waiters served first come, first served.
 * The consumer shares one between all partitions it processes, so `concurrency` bounds the
 * transactions in flight (and connections taken from the pool) for the whole consumer.
 */
export class Slots {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    // Hand the slot straight to the next waiter, so a late acquire() cannot overtake it.
    if (next) next();
    else this.free += 1;
  }
}
