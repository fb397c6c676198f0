import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RELAY_BIN = fileURLToPath(new URL('../../packages/kafka-relay/bin/outbox-relay.js', import.meta.url));

export interface RelayProcess {
  child: ChildProcess;
  /** Resolves when the relay logged that it is ready. */
  ready: Promise<void>;
  /** Resolves with the exit code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/**
 * Starts the real `outbox-relay` CLI (the built package) as its own process, with `args` after
 * the program name and `nodeArgs` (e.g. `--import` of a test hook) before it.
 */
export function startRelayProcess(env: Record<string, string>, args: string[] = [], nodeArgs: string[] = []): RelayProcess {
  const child = spawn(process.execPath, [...nodeArgs, RELAY_BIN, ...args], {
    env: { ...process.env, OUTBOX_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let markReady: () => void = () => {};
  let failReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('"msg":"relay ready"')) markReady();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  // Callers that never wait for readiness (a process expected to exit) must not see it as unhandled.
  ready.catch(() => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      failReady(new Error(`relay exited before it was ready (code ${code}, signal ${signal}):\n${output}`));
      resolve({ code, signal });
    });
  });
  return { child, ready, exited, output: () => output };
}
