import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidConfigError } from '@outboxkit/core';
import { RELAY_ENV_VARIABLES, type RelayEnvVariable } from './relay-env-variables.js';

/**
 * The sidecar's configuration file: `outbox-relay --config relay.json` or OUTBOX_CONFIG_FILE. A
 * JSON object whose keys are the environment variables of `outbox-relay --help`, so one
 * vocabulary serves the environment, the file, the help and every error message, and a setting
 * moves between the two without renaming:
 *
 *   { "DATABASE_URL": "postgres://relay:…@db:5432/app", "KAFKA_BROKERS": ["kafka-1:9092", "kafka-2:9092"],
 *     "OUTBOX_BATCH_SIZE": 250, "OUTBOX_HTTP_PORT": 9464 }
 *
 * The environment wins over the file (a variable that is set and not blank): the file is the
 * shared base (a ConfigMap or Secret, baked into an image), the environment the per-deployment
 * override, as twelve-factor tools layer them (flags > env > file > defaults). Values are checked
 * exactly as the environment's are; an error names the key and the file. Values are never logged
 * nor put in errors beyond what an environment variable's error shows (never DATABASE_URL nor a
 * secret), so the file may hold secrets.
 */
export interface RelayEnvironment {
  /** The environment the commands read: the file's settings under the process's own. */
  env: NodeJS.ProcessEnv;
  /** The file read, as given, or undefined without one. */
  file?: string;
  /** Keys whose value came from the file. */
  fromFile: ReadonlySet<string>;
}

export const CONFIG_FILE_VARIABLE = 'OUTBOX_CONFIG_FILE';

/** `--config <file>` / `--config=<file>` before the command, taken off `argv`; undefined when absent. */
export function takeConfigOption(argv: readonly string[]): { file: string | undefined; rest: string[] } {
  const [first, ...rest] = argv;
  if (first === '--config' || first === '-c') {
    const [file, ...after] = rest;
    if (file === undefined || file.trim() === '' || file.startsWith('-')) {
      throw new InvalidConfigError('--config', 'needs the path of a JSON file, e.g. outbox-relay --config relay.json');
    }
    return { file, rest: after };
  }
  if (first?.startsWith('--config=')) {
    const file = first.slice('--config='.length);
    if (file.trim() === '') throw new InvalidConfigError('--config', 'needs the path of a JSON file, e.g. outbox-relay --config=relay.json');
    return { file, rest };
  }
  return { file: undefined, rest: [...argv] };
}

/**
 * The environment of the commands: `env` over the settings of `file` (the --config option), or of
 * OUTBOX_CONFIG_FILE when there is no option. Throws InvalidConfigError for a file that cannot be
 * read, is not a JSON object, or has a key or value the sidecar does not take.
 */
export function relayEnvironment(env: NodeJS.ProcessEnv, file: string | undefined = undefined): RelayEnvironment {
  const source = file === undefined ? CONFIG_FILE_VARIABLE : '--config';
  const path = file ?? (env[CONFIG_FILE_VARIABLE]?.trim() || undefined);
  if (path === undefined) return { env, fromFile: new Set() };
  const settings = readConfigFile(path, source);
  const merged: NodeJS.ProcessEnv = { ...env };
  const fromFile = new Set<string>();
  for (const [name, value] of Object.entries(settings)) {
    const own = env[name];
    if (own !== undefined && own.trim() !== '') continue;
    merged[name] = value;
    fromFile.add(name);
  }
  return { env: merged, file: path, fromFile };
}

/**
 * `error` restated with the file in the setting's name when the refused setting came from the file
 * ("OUTBOX_BATCH_SIZE (in relay.json)"), so the operator edits the right place.
 */
export function locateConfigError(error: unknown, environment: RelayEnvironment): unknown {
  if (!(error instanceof InvalidConfigError) || !environment.file || !environment.fromFile.has(error.setting)) return error;
  return new InvalidConfigError(`${error.setting} (in ${environment.file})`, error.detail);
}

/** The file's settings as environment strings, each key and value checked for its shape. */
function readConfigFile(path: string, source: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InvalidConfigError(source, `cannot read ${path} (${code}): give the path of a JSON file, relative to the working directory ${process.cwd()}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // Not the parser's message: V8 quotes the text around the mistake, which may be a password.
    throw new InvalidConfigError(source, `${path} is not valid JSON${jsonPosition(text, error)}: it must be one object of settings, e.g. {"KAFKA_BROKERS": "kafka:9092"}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidConfigError(source, `${path} must hold one JSON object of settings, e.g. {"KAFKA_BROKERS": "kafka:9092"}`);
  }
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    const setting = `${key} (in ${path})`;
    const variable = RELAY_ENV_VARIABLES.find((v) => v.name === key);
    if (!variable) throw new InvalidConfigError(setting, `is not a setting of outbox-relay${suggestion(key)}: the keys are the environment variable names that outbox-relay --help lists`);
    if (key === CONFIG_FILE_VARIABLE) throw new InvalidConfigError(setting, 'cannot be set in a configuration file: one file is read, the one named by --config or by the environment');
    settings[key] = settingText(variable, value, setting);
  }
  return settings;
}

function settingText(variable: RelayEnvVariable, value: unknown, setting: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && variable.kind === 'brokers' && value.every((entry) => typeof entry === 'string')) return value.join(',');
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : String(value);
  const accepts = variable.kind === 'brokers' ? 'a string "host:port,host:port" or an array of "host:port" strings' : 'a string or a number';
  throw new InvalidConfigError(setting, `must be ${accepts} (leave the key out for the default), got ${got}`);
}

/** ` (line L, column C)` from a JSON.parse error's offset, or nothing when it gives none. */
function jsonPosition(text: string, error: unknown): string {
  const match = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (!match) return '';
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

/** `; did you mean X?` for a key within two edits of a variable's name. */
function suggestion(key: string): string {
  let best: { name: string; distance: number } | undefined;
  for (const { name } of RELAY_ENV_VARIABLES) {
    const distance = editDistance(key.toUpperCase(), name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best ? `; did you mean ${best.name}?` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}
