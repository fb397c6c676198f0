import { CheckerUnavailableError, InvalidConfigError, type Logger } from '@outboxkit/core';
import { checkerSecretProblem, type CheckerResolver } from '@outboxkit/core/internal';
import { HttpCheckerClient } from '../check/http-checker-client.js';
import type { RelayHalfMessageOptions } from '../check/relay-half-checks.js';
import { readRelayEnv, relayEnvVariable } from './relay-env-variables.js';

/**
 * The sidecar's half-message back-check, from the environment: the `half` rows of
 * relay-env-variables.ts (listed by `outbox-relay --help` and docs/sidecar.md), read and checked by
 * readRelayEnv as the relay's own are, so a refused value names its variable. The checker URLs and
 * the secret are checked here, by their own rules (checkerSecretProblem in @outboxkit/core).
 *
 * Without a checker URL only messages written in `database` mode (marker) are resolved; the others
 * wait, their checks not counted, and a warning says why.
 */
export function halfMessagesFromEnv(env: NodeJS.ProcessEnv, logger: Logger | undefined): false | RelayHalfMessageOptions {
  if (readRelayEnv(env, relayEnvVariable('OUTBOX_HALF_CHECKS')) === 'off') return false;

  /** A number-valued row, checked by its kind (a refusal names the variable); undefined when unset. */
  const number = (name: string) => readRelayEnv(env, relayEnvVariable(name)) as number | undefined;
  const options: RelayHalfMessageOptions = {};
  const set = (key: HalfTiming, name: string) => {
    const value = number(name);
    if (value !== undefined) options[key] = value;
  };
  set('checkImmunityMs', 'OUTBOX_CHECK_IMMUNITY_MS');
  set('checkIntervalMs', 'OUTBOX_CHECK_INTERVAL_MS');
  set('maxChecks', 'OUTBOX_MAX_CHECKS');
  set('pollIntervalMs', 'OUTBOX_CHECK_POLL_MS');
  set('batchSize', 'OUTBOX_CHECK_BATCH_SIZE');
  set('leaseMs', 'OUTBOX_CHECK_LEASE_MS');
  set('checkTimeoutMs', 'OUTBOX_CHECK_TIMEOUT_MS');
  set('ageSnapshotIntervalMs', 'OUTBOX_HALF_AGES_MS');

  const urls = parseUrls(env.OUTBOX_CHECKER_URLS);
  const url = env.OUTBOX_CHECKER_URL || undefined;
  if (url || Object.keys(urls).length > 0) {
    const secret = env.OUTBOX_CHECKER_SECRET;
    if (!secret) {
      throw new InvalidConfigError(
        'OUTBOX_CHECKER_SECRET',
        `is not set: the checker endpoint needs the secret shared with the application (${checkerSecretProblem('')!.replace(/^is empty: it /, '')})`,
      );
    }
    // Checked here to name the variable; the client would refuse it too, as "checker secret".
    const problem = checkerSecretProblem(secret);
    if (problem) throw new InvalidConfigError('OUTBOX_CHECKER_SECRET', problem);
    const timeoutMs = number('OUTBOX_CHECKER_TIMEOUT_MS');
    const retries = number('OUTBOX_CHECKER_RETRIES');
    options.checker = new HttpCheckerClient({
      ...(url ? { url } : {}),
      urls,
      secret,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(retries === undefined ? {} : { retries }),
      ...(logger ? { logger } : {}),
    });
  } else {
    options.checker = noCheckerConfigured;
  }
  return options;
}

/** The back-check's numeric settings the environment sets. */
type HalfTiming = 'checkImmunityMs' | 'checkIntervalMs' | 'maxChecks' | 'pollIntervalMs' | 'batchSize' | 'leaseMs' | 'checkTimeoutMs' | 'ageSnapshotIntervalMs';

/** The sidecar without OUTBOX_CHECKER_URL: no checker is reachable (checks are not counted). */
const noCheckerConfigured: CheckerResolver = {
  async check(message) {
    throw new CheckerUnavailableError(message.producerGroup, 'the relay has no checker endpoint: set OUTBOX_CHECKER_URL (and OUTBOX_CHECKER_SECRET)');
  },
};

function parseUrls(raw: string | undefined): Record<string, string> {
  const urls: Record<string, string> = {};
  if (!raw) return urls;
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new InvalidConfigError('OUTBOX_CHECKER_URLS', `expected group=url entries, got "${entry}"`);
    urls[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
  }
  return urls;
}
