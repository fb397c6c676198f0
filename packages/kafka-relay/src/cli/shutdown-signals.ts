// Imports nothing on purpose: the bin installs these handlers first, before the relay's modules
// load, so this module must load in no time.

export type ShutdownHandler = (signal: NodeJS.Signals) => void;

/** SIGTERM and SIGINT handling of the CLI, from its first moment on. */
export interface ShutdownSignals {
  /** What a signal does from now on (a relay's graceful stop, say). */
  handle(handler: ShutdownHandler): void;
  /** Gives the signals back to Node's default (the process ends): for commands with nothing to shut down. */
  release(): void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Installs the handlers at once. Until `handle()` is called, a signal means nothing has started:
 * the process says so ("stopping before start", a JSON line like the relay's log) and exits 0 —
 * a supervisor that stops a relay in its first second gets a clean exit, not a silent 143.
 */
export function installShutdownSignals(env: NodeJS.ProcessEnv = process.env): ShutdownSignals {
  let current: ShutdownHandler = (signal) => {
    // The level names of the relay's console logger: only info and debug show an info line.
    if (['debug', 'info', undefined].includes(env.OUTBOX_LOG_LEVEL || undefined)) {
      process.stderr.write(
        `${JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: 'stopping before start', component: 'outbox-relay', signal })}\n`,
      );
    }
    process.exit(0);
  };
  const listener = (signal: NodeJS.Signals) => current(signal);
  for (const signal of SIGNALS) process.on(signal, listener);
  return {
    handle(handler) {
      current = handler;
    },
    release() {
      for (const signal of SIGNALS) process.removeListener(signal, listener);
    },
  };
}
