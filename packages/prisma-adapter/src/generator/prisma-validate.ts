import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { InvalidConfigError } from '@outboxkit/core';
import { redactSecrets } from '@outboxkit/core/internal';
import type { ProjectPrisma } from './project-prisma.js';

export interface ValidateSchemaInput {
  cwd: string;
  /** The schema file or multi-file schema folder. */
  schemaPath: string;
  /** The config file Prisma loaded, passed on so `prisma validate` reads the same one. */
  configFile: string | undefined;
  /** Default: this process's environment, as the user's own `npx prisma validate` would get it. */
  env?: NodeJS.ProcessEnv;
}

/** Generous: the CLI starts in 1–2 s, but on a loaded machine it can take much longer. */
const VALIDATE_TIMEOUT_MS = 120_000;
/** Prisma lists every error with a code frame; a broken file can list hundreds. */
const MAX_REPORT_CHARS = 4_000;

/**
 * Asks the project's Prisma whether the schema is valid before outboxkit changes a byte of it:
 * the generator reads the schema as text to find models and the datasource, and on a schema
 * that does not parse that reading is meaningless (it used to append models to such a schema).
 *
 * Why the project's `prisma validate` and not a schema parser loaded in-process: Prisma's
 * parser is a wasm module (prisma-schema-wasm). Inside the `prisma` package it is bundled into
 * the CLI with wasm-bindgen glue that is not exported and whose import names change with every
 * build, so loading it from outside would break on the next Prisma release; the standalone
 * `@prisma/prisma-schema-wasm` package is a second parser whose version would differ from the
 * project's Prisma and could accept what the project's `prisma generate` refuses, or the reverse.
 * The project's CLI answers exactly for the Prisma the project uses, with its config, and says
 * what is wrong in Prisma's own words. The cost is one CLI start (about 1–2 s).
 */
export async function validateWithPrisma(prisma: ProjectPrisma, input: ValidateSchemaInput): Promise<void> {
  const args = [prisma.cli, 'validate', '--schema', input.schemaPath, ...(input.configFile ? ['--config', input.configFile] : [])];
  const { code, output } = await run(process.execPath, args, input.cwd, input.env ?? process.env);
  if (code === 0) return;
  const report = prismaReport(output);
  // P1012 is Prisma's code for a schema that fails validation; anything else is the CLI failing.
  if (/\bP1012\b|Prisma schema validation/.test(output)) {
    throw new InvalidConfigError(
      '--schema',
      `${input.schemaPath} is not a valid Prisma schema, so outboxkit changed nothing. Prisma ${prisma.version} (prisma validate) says:\n` +
        `${report}\nfix what Prisma reports (npx prisma validate shows the same), then run again`,
    );
  }
  throw new InvalidConfigError(
    '--schema',
    `outboxkit has the project's Prisma ${prisma.version} check the schema before changing it, and \`prisma validate\` failed ` +
      `(${code === null ? 'it did not finish' : `exit ${code}`}), so outboxkit changed nothing:\n${report}\n` +
      'make `npx prisma validate` pass in this project, then run again',
  );
}

/** Prisma's error text without its banner lines, colours and anything that looks like a credential. */
function prismaReport(output: string): string {
  const lines = stripVTControlCharacters(output)
    .split('\n')
    .filter((line) => !/^(Prisma schema loaded from|Loaded Prisma config from|Prisma CLI Version|\[Context: validate\]|Environment variables loaded)/.test(line.trim()));
  const text = redactSecrets(lines.join('\n').trim());
  return text.length > MAX_REPORT_CHARS ? `${text.slice(0, MAX_REPORT_CHARS)}\n… (cut; run npx prisma validate for the rest)` : text || '(no output)';
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: VALIDATE_TIMEOUT_MS });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', (error) => resolve({ code: null, output: `${output}${error.message}` }));
    child.on('close', (code, signal) => resolve({ code: signal ? null : code, output: signal ? `${output}\n(stopped by ${signal} after ${VALIDATE_TIMEOUT_MS / 1000} s)` : output }));
  });
}
