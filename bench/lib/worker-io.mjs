// The worker side of lib/proc.mjs: JSON lines on stdout, failures reported as an `error` line.
export function emit(event, fields = {}) {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

export function env(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === '') {
    if (fallback !== undefined) return fallback;
    throw new Error(`${name} is not set`);
  }
  return value;
}

/** Runs `main`; an exception becomes an `error` line and exit code 1. */
export function runMain(main) {
  main().then(
    () => undefined,
    (error) => {
      emit('error', { message: error?.message ?? String(error), stack: error?.stack });
      process.exitCode = 1;
      setTimeout(() => process.exit(1), 200).unref();
    },
  );
}

/** Resolves when the parent asks this worker to stop (SIGTERM / SIGINT). */
export function stopRequested() {
  return new Promise((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
}
