import { InvalidTransactionOptionsError } from '../errors.js';
import type { IsolationLevel, TransactionOptions, TransactionPropagation } from '../ports.js';

export const TRANSACTION_PROPAGATIONS: readonly TransactionPropagation[] = Object.freeze(['required', 'nested', 'requiresNew']);
export const ISOLATION_LEVELS: readonly IsolationLevel[] = Object.freeze(['ReadCommitted', 'RepeatableRead', 'Serializable']);

/** The options a transaction is opened with, handed to the adapter (propagation is the core's). */
export type OpenTransactionOptions = Omit<TransactionOptions, 'propagation'>;

export interface CheckedTransactionOptions {
  propagation: TransactionPropagation;
  open: OpenTransactionOptions;
}

const OPEN_OPTION_KEYS = ['timeoutMs', 'maxWaitMs', 'isolationLevel'] as const;

/**
 * Checks transaction options where they are given — at decoration time for `@Transactional`
 * and `transactional(fn)`, at the call for `outbox.transaction` — so a typo fails at once with a
 * typed error instead of being ignored or reaching the database adapter. `extraKeys` are keys
 * the caller handles itself (`outbox` for the decorators).
 */
export function checkTransactionOptions(options: unknown, extraKeys: readonly string[] = []): CheckedTransactionOptions {
  if (options === undefined) return { propagation: 'required', open: {} };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidTransactionOptionsError(
      'options',
      `must be an object such as { propagation: 'nested', timeoutMs: 5000 }, got ${shown(options)}.`,
    );
  }
  const record = options as Record<string, unknown>;
  const allowed = [...OPEN_OPTION_KEYS, 'propagation', ...extraKeys];
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      const hint = key === 'timeout' ? ' (outboxkit spells it timeoutMs)' : key === 'maxWait' ? ' (outboxkit spells it maxWaitMs)' : '';
      throw new InvalidTransactionOptionsError(key, `is not a transaction option${hint}. Use ${allowed.join(', ')}.`);
    }
  }
  const propagation = record.propagation ?? 'required';
  if (!TRANSACTION_PROPAGATIONS.includes(propagation as TransactionPropagation)) {
    throw new InvalidTransactionOptionsError(
      'propagation',
      `must be one of ${TRANSACTION_PROPAGATIONS.map((p) => `'${p}'`).join(', ')}, got ${shown(propagation)}. ` +
        `'required' joins an open transaction, 'nested' joins it behind a savepoint, 'requiresNew' runs on its own.`,
    );
  }
  return { propagation: propagation as TransactionPropagation, open: checkOpenTransactionOptions(record) };
}

/** Checks the options a transaction is opened with (also the Outbox-wide defaults). */
export function checkOpenTransactionOptions(options: Record<string, unknown>): OpenTransactionOptions {
  const open: OpenTransactionOptions = {};
  for (const key of ['timeoutMs', 'maxWaitMs'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new InvalidTransactionOptionsError(key, `must be a positive number of milliseconds, got ${shown(value)}. Leave it out to use the default.`);
    }
    open[key] = value;
  }
  const isolationLevel = options.isolationLevel;
  if (isolationLevel !== undefined) {
    if (!ISOLATION_LEVELS.includes(isolationLevel as IsolationLevel)) {
      throw new InvalidTransactionOptionsError(
        'isolationLevel',
        `must be one of ${ISOLATION_LEVELS.map((l) => `'${l}'`).join(', ')}, got ${shown(isolationLevel)}.`,
      );
    }
    open.isolationLevel = isolationLevel as IsolationLevel;
  }
  return open;
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * Checks an Outbox's default transaction options (`new Outbox(port, { transaction })`). They
 * apply to every transaction the Outbox opens; propagation is decided per call, not here.
 */
export function checkDefaultTransactionOptions(options: unknown): OpenTransactionOptions {
  const checked = checkTransactionOptions(options);
  if ((options as TransactionOptions | undefined)?.propagation !== undefined) {
    throw new InvalidTransactionOptionsError(
      'transaction.propagation',
      'cannot be an Outbox-wide default: pass it where the transaction is started (@Transactional({ propagation }), outbox.transaction(work, { propagation })).',
    );
  }
  return checked.open;
}
