/** Helpers shared by the half-message integration tests (not a test file itself). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PrismaClient } from '@outboxkit/test-support/prisma';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const TSX = fileURLToPath(new URL('../../../../node_modules/.bin/tsx', import.meta.url));
export const RELAY_BIN = fileURLToPath(new URL('../../bin/outbox-relay.js', import.meta.url));


export { sleep, waitFor } from '@outboxkit/test-support/wait';

export async function rowOf(prisma: PrismaClient, id: string) {
  return prisma.outboxMessage.findUniqueOrThrow({ where: { id } });
}

export async function statusOf(prisma: PrismaClient, id: string): Promise<string> {
  return (await rowOf(prisma, id)).status;
}

/** Runs the real `outbox-relay` CLI once (a subcommand) and collects its output. */
export function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RELAY_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface LineProcess {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a TypeScript script with tsx and collects its JSON stdout lines. */
export function startScript(script: string, env: Record<string, string>): LineProcess {
  const child = spawn(TSX, [script], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let buffer = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk;
    let at: number;
    while ((at = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not one of ours
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, lines, stderr: () => stderr, exited };
}
