/**
 * `work`'s outcome, or a rejection with `timeoutError()` after `ms`, whichever comes first; the
 * timer is cleared either way. `work` may still settle later: nobody awaits it any more, and its
 * rejection is never reported as unhandled.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
