import { CheckerUnavailableError, InvalidConfigError, type Logger } from '@outboxkit/core';
import { checkerSecretProblem, type CheckerResolver } from '@outboxkit/core/internal';
import { HttpCheckerClient } from '../check/http-checker-client.js';
import type { RelayHalfMessageOptions } from '../check/relay-half-checks.js';

/**
 * The sidecar's half-message back-check, from the environment (issue 3):
 *
 *   OUTBOX_HALF_CHECKS          on | off (default on)
 *   OUTBOX_CHECKER_URL          the application's checker endpoint, e.g. http://app:3000/outboxkit/check
 *   OUTBOX_CHECKER_URLS         per producer group: payments=http://pay:3000/outboxkit/check,orders=http://…
 *   OUTBOX_CHECKER_SECRET       secret shared with the endpoint, ≥ 16 characters (required with a URL; never logged;
 *                               the rule: checkerSecretProblem in @outboxkit/core)
 *   OUTBOX_CHECKER_TIMEOUT_MS   per request (default 5000)
 *   OUTBOX_CHECKER_RETRIES      further attempts after a failed request (default 2)
 *   OUTBOX_CHECK_IMMUNITY_MS    age before the first check (default 6000)
 *   OUTBOX_CHECK_INTERVAL_MS    between checks of one message (default 30000)
 *   OUTBOX_MAX_CHECKS           counted checks before a message is parked (default 15)
 *   OUTBOX_CHECK_POLL_MS        how often to look for messages due (default 1000)
 *   OUTBOX_CHECK_BATCH_SIZE     messages per look (default 100)
 *   OUTBOX_CHECK_LEASE_MS       a claimed message is kept from other relays this long (default 60000)
 *   OUTBOX_CHECK_TIMEOUT_MS     longest a whole check may take (default 30000)
 *   OUTBOX_HALF_AGES_MS         how often HALF rows are measured by age (default 10000)
 *
 * Without a checker URL only messages written in `database` mode (marker) are resolved; the others
 * wait, their checks not counted, and a warning says why.
 */
export function halfMessagesFromEnv(env: NodeJS.ProcessEnv, logger: Logger | undefined): false | RelayHalfMessageOptions {
  const enabled = (env.OUTBOX_HALF_CHECKS ?? 'on').toLowerCase();
  if (['off', 'false', '0', 'no'].includes(enabled)) return false;
  if (!['on', 'true', '1', 'yes'].includes(enabled)) throw new InvalidConfigError('OUTBOX_HALF_CHECKS', `must be on or off, got "${env.OUTBOX_HALF_CHECKS}"`);

  const options: RelayHalfMessageOptions = {};
  const set = (name: string, apply: (value: number) => void) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new InvalidConfigError(name, `must be a non-negative number, got "${raw}"`);
    apply(value);
  };
  set('OUTBOX_CHECK_IMMUNITY_MS', (v) => (options.checkImmunityMs = v));
  set('OUTBOX_CHECK_INTERVAL_MS', (v) => (options.checkIntervalMs = v));
  set('OUTBOX_MAX_CHECKS', (v) => (options.maxChecks = v));
  set('OUTBOX_CHECK_POLL_MS', (v) => (options.pollIntervalMs = v));
  set('OUTBOX_CHECK_BATCH_SIZE', (v) => (options.batchSize = v));
  set('OUTBOX_CHECK_LEASE_MS', (v) => (options.leaseMs = v));
  set('OUTBOX_CHECK_TIMEOUT_MS', (v) => (options.checkTimeoutMs = v));
  set('OUTBOX_HALF_AGES_MS', (v) => (options.ageSnapshotIntervalMs = v));

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
    let timeoutMs: number | undefined;
    let retries: number | undefined;
    set('OUTBOX_CHECKER_TIMEOUT_MS', (v) => (timeoutMs = v));
    set('OUTBOX_CHECKER_RETRIES', (v) => (retries = v));
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
