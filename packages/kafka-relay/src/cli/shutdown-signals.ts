// Imports nothing on purpose: the bin installs these handlers first, before the relay's modules
// load, so this module must load in no time.

/** Why the process is to stop: a signal, or its parent process went away (see stopWithParent). */
export type ShutdownCause = NodeJS.Signals | 'parent-exited';

export type ShutdownHandler = (cause: ShutdownCause) => void;

/** When the relay stops because its parent exited: `auto` does so when a package manager started it. */
export type StopWithParentMode = 'auto' | 'on' | 'off';

/** SIGTERM and SIGINT handling of the CLI, from its first moment on. */
export interface ShutdownSignals {
  /** What a signal does from now on (a relay's graceful stop, say). */
  handle(handler: ShutdownHandler): void;
  /** Gives the signals back to Node's default (the process ends): for commands with nothing to shut down. */
  release(): void;
  /**
   * Treats the parent's exit as a SIGTERM from now on (`mode` on, or auto under a package
   * manager); true when watching. A parent already gone since install fires at once.
   */
  stopWithParent(mode: StopWithParentMode, env?: NodeJS.ProcessEnv): boolean;
  /** The parent process id when the handlers were installed. */
  readonly parentPid: number;
}

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
/** How often the parent is looked at: well inside any supervisor's grace period, and costs nothing. */
const PARENT_POLL_MS = 250;

/**
 * Installs the handlers at once. Until `handle()` is called, a signal means nothing has started:
 * the process says so ("stopping before start", a JSON line like the relay's log) and exits 0 —
 * a supervisor that stops a relay in its first second gets a clean exit, not a silent 143.
 *
 * The parent's pid is taken here too, before anything slow: `npm run` and `npx` (npm 11) pass a
 * SIGTERM on to their `sh -c` child only; dash dies of it without passing it on, and the relay is
 * left running, re-parented. Noticing the new parent pid is what stopWithParent is for.
 */
export function installShutdownSignals(env: NodeJS.ProcessEnv = process.env): ShutdownSignals {
  const parentPid = process.ppid;
  let current: ShutdownHandler = (cause) => {
    // The level names of the relay's console logger: only info and debug show an info line.
    if (['debug', 'info', undefined].includes(env.OUTBOX_LOG_LEVEL || undefined)) {
      const why = cause === 'parent-exited' ? { reason: 'parent process exited', parentPid } : { signal: cause };
      process.stderr.write(
        `${JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: 'stopping before start', component: 'outbox-relay', ...why })}\n`,
      );
    }
    process.exit(0);
  };
  const listener = (signal: NodeJS.Signals) => current(signal);
  for (const signal of SIGNALS) process.on(signal, listener);
  let watch: NodeJS.Timeout | undefined;
  const unwatch = () => {
    if (watch) clearInterval(watch);
    watch = undefined;
  };
  return {
    parentPid,
    handle(handler) {
      current = handler;
    },
    release() {
      unwatch();
      for (const signal of SIGNALS) process.removeListener(signal, listener);
    },
    stopWithParent(mode, processEnv = env) {
      unwatch();
      if (!parentWatchWanted(mode, processEnv)) return false;
      const check = () => {
        if (process.ppid === parentPid) return;
        unwatch();
        current('parent-exited');
      };
      // Unref'd: the watch alone never keeps the process alive.
      watch = setInterval(check, PARENT_POLL_MS).unref();
      check();
      return true;
    },
  };
}

/**
 * `auto`: watch when started by a package manager's script runner (npm run, npx, pnpm, yarn set
 * npm_lifecycle_event), whose child it is through a shell that does not pass signals on. Not
 * otherwise: a relay started in the background by a script that then exits (nohup, `&`) is
 * re-parented by design and must keep running.
 */
export function parentWatchWanted(mode: StopWithParentMode, env: NodeJS.ProcessEnv): boolean {
  if (mode === 'on') return true;
  if (mode === 'off') return false;
  return Boolean(env.npm_lifecycle_event);
}
