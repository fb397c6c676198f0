/**
 * A sleep that another caller can end early: the background loops (relay, back-check) idle with
 * it, and `wake()` cuts the wait short when there is news (a nudge) or when they are stopping.
 */
export class WakeableSleep {
  private wakeCurrent: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        if (this.wakeCurrent === done) this.wakeCurrent = undefined;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.wakeCurrent = done;
    });
  }

  /** Ends the current sleep now; a no-op when nothing sleeps. */
  wake(): void {
    this.wakeCurrent?.();
  }
}
