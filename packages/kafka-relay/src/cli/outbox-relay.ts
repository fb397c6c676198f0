import { readFileSync } from 'node:fs';
import { locateConfigError, relayEnvironment, takeConfigOption, type RelayEnvironment } from './relay-config-file.js';
import { relayEnvHelp } from './relay-env-variables.js';
import { installShutdownSignals, type ShutdownSignals } from './shutdown-signals.js';

/**
 * The `outbox-relay` command line: picks the command from the first argument and loads only what
 * that command needs (the relay's modules take a while to load; --help and --version need none
 * of them, and never connect anywhere). Exit codes: 0 done, 1 failed, 2 usage or configuration
 * error (nothing was started).
 */

export const USAGE = `usage: outbox-relay                  run the relay until SIGTERM or SIGINT, configured by the environment below
       outbox-relay --config <file> [command …]
                                     the same settings from a JSON file, keyed by the variable names
                                     below (also OUTBOX_CONFIG_FILE); a variable set in the environment wins
       outbox-relay dead …           DEAD messages: list, retry (outbox-relay dead --help)
       outbox-relay half …           half messages: list, resume, commit, roll back (outbox-relay half --help)
       outbox-relay replay …         dead letters back onto their topics (outbox-relay replay --help)
       outbox-relay --help | -h      this text
       outbox-relay --version | -v   the version

environment of the relay (and keys of the configuration file):
${relayEnvHelp()}

Under npm run / npx the relay stops gracefully when npm exits (npm passes SIGTERM only to its shell);
in a container run the bin itself: CMD ["node_modules/.bin/outbox-relay"], or exec it from a script.`;

export function relayVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Runs the command of `argv` (the arguments after the program name); resolves with the exit code.
 * A leading `--config <file>` (or OUTBOX_CONFIG_FILE) puts a file's settings under the
 * environment's; --help and --version read no file, so a broken one never hides the help.
 */
export async function runCli(argv: string[], signals: ShutdownSignals): Promise<number> {
  const { file, rest } = takeConfigOption(argv);
  const [command, ...args] = rest;
  let environment: RelayEnvironment | undefined;
  const load = () => (environment ??= relayEnvironment(process.env, file));
  try {
    return await runCommand(command, args, load, signals);
  } catch (error) {
    throw environment ? locateConfigError(error, environment) : error;
  }
}

async function runCommand(command: string | undefined, args: string[], load: () => RelayEnvironment, signals: ShutdownSignals): Promise<number> {
  const env = () => load().env;
  switch (command) {
    case undefined: {
      const { runRelay } = await import('./run-relay.js');
      const { env: relayEnv, file, fromFile } = load();
      return runRelay(relayEnv, signals, file ? { file, keys: [...fromFile] } : undefined);
    }
    case '--help':
    case '-h':
    case 'help':
      out(USAGE);
      return 0;
    case '--version':
    case '-v':
      out(relayVersion());
      return 0;
    case 'dead': {
      signals.release();
      const { deadCommand } = await import('./dead-command.js');
      return deadCommand(args, env(), out);
    }
    case 'half': {
      signals.release();
      const { halfCommand } = await import('./half-command.js');
      return halfCommand(args, env(), out);
    }
    case 'replay': {
      signals.release();
      const { runReplayCommand } = await import('./replay-command.js');
      const environment = load();
      return runReplayCommand(args, environment.env, undefined, undefined, (error) => locateConfigError(error, environment));
    }
    default:
      err(`outbox-relay: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

/** Errors that mean the command line or the environment was wrong: exit 2, nothing was done. */
const USAGE_ERROR_CODES = new Set([
  'OUTBOX_INVALID_CONFIG',
  'OUTBOX_INVALID_MESSAGE_ID',
  'OUTBOX_INVALID_HALF_DECISION',
  'ERR_PARSE_ARGS_UNKNOWN_OPTION',
  'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
  'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL',
]);

/** The bin's entry: runs the command and exits with its code; an error becomes one line on stderr. */
export async function main(argv: string[], signals: ShutdownSignals = installShutdownSignals()): Promise<never> {
  let code: number;
  try {
    code = await runCli(argv, signals);
  } catch (error) {
    const { code: errorCode } = (error ?? {}) as { code?: unknown };
    const usage = typeof errorCode === 'string' && USAGE_ERROR_CODES.has(errorCode);
    err(`outbox-relay: ${error instanceof Error ? error.message : String(error)}`);
    code = usage ? 2 : 1;
  }
  process.exit(code);
}
