import {
  CheckerFailedError,
  CheckerUnavailableError,
  createConsoleLogger,
  InvalidConfigError,
  type HalfMessageView,
  type LocalTransactionState,
  type Logger,
} from '@outboxkit/core';
import {
  CheckEndpointErrorCode,
  CHECK_SIGNATURE_HEADER,
  CHECK_TIMESTAMP_HEADER,
  decodeCheckAnswer,
  encodeCheckRequest,
  signCheckRequest,
  thrownFacts,
  type CheckerResolver,
} from '@outboxkit/core/internal';

export interface HttpCheckerOptions {
  /** The application's checker endpoint, for every producer group without an entry in `urls`. */
  url?: string;
  /** Endpoints by producer group (several applications behind one relay). */
  urls?: Record<string, string>;
  /** Secret shared with the application's endpoint (it signs each request; it is never sent). Required. */
  secret: string;
  /** Longest one request may take, ms. Default 5,000. */
  timeoutMs?: number;
  /** Further attempts after a failed one (connection refused, timeout, 404, 5xx from a proxy). Default 2. */
  retries?: number;
  /** Wait before the first retry, ms; doubles each time. Default 250. */
  retryDelayMs?: number;
  logger?: Logger;
}

export const DEFAULT_HTTP_CHECKER_OPTIONS = Object.freeze({ timeoutMs: 5_000, retries: 2, retryDelayMs: 250 });

/**
 * Sidecar mode: the relay reaches the application's checkers over HTTP (the application mounts
 * `createCheckerHandler` from @outboxkit/core). Each request is signed with the shared secret;
 * failures are retried — any instance behind the URL can answer, since the endpoint is stateless.
 *
 * Outcomes as the check service counts them:
 * - 200 with a state → that answer;
 * - 500 from the endpoint (the checker threw) or a 200 with nonsense → a failed check (counted);
 * - connection refused, timeout, 404 (no checker for the group on that instance), other statuses
 *   → retried, then "no checker reachable" (not counted);
 * - 401 (the secret does not match, or the clocks differ by more than the endpoint's window) →
 *   "not reachable" at once, logged as an error: a configuration mistake must not use up checks;
 * - 401 `OUTBOX_CHECK_REPLAYED` (something on the way sent the request twice) → retried, with a
 *   newly signed request.
 *
 * Every request is signed at a timestamp later than the one before (at least 1 ms): the endpoint
 * accepts each signed request once, so two of ours must never share a signature.
 */
export class HttpCheckerClient implements CheckerResolver {
  readonly #secret: string;
  private readonly url: string | undefined;
  private readonly urls: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly logger: Logger;
  private lastSignedAt = 0;

  constructor(options: HttpCheckerOptions) {
    // Signs once to validate the secret's shape now, not at the first check.
    signCheckRequest(options.secret, '');
    this.#secret = options.secret;
    this.url = options.url;
    this.urls = { ...options.urls };
    if (!this.url && Object.keys(this.urls).length === 0) {
      throw new InvalidConfigError('checker url', 'give the application\'s checker endpoint (url, or urls by producer group)');
    }
    for (const url of [this.url, ...Object.values(this.urls)]) {
      if (url !== undefined && !/^https?:\/\//.test(url)) throw new InvalidConfigError('checker url', `must be an http(s) URL, got "${url}"`);
    }
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_CHECKER_OPTIONS.timeoutMs;
    this.retries = options.retries ?? DEFAULT_HTTP_CHECKER_OPTIONS.retries;
    this.retryDelayMs = options.retryDelayMs ?? DEFAULT_HTTP_CHECKER_OPTIONS.retryDelayMs;
    this.logger = options.logger ?? createConsoleLogger('warn', { component: 'outbox-relay' });
  }

  /** Ms since the epoch, strictly after the previous request's: no two requests share a signature. */
  private nextTimestamp(): number {
    this.lastSignedAt = Math.max(Date.now(), this.lastSignedAt + 1);
    return this.lastSignedAt;
  }

  /** The URL asked for a group (undefined: none configured). */
  urlFor(producerGroup: string): string | undefined {
    return this.urls[producerGroup] ?? this.url;
  }

  async check(message: HalfMessageView): Promise<LocalTransactionState> {
    const group = message.producerGroup;
    const url = this.urlFor(group);
    if (!url) throw new CheckerUnavailableError(group, 'no checker URL is configured for this producer group');
    const body = encodeCheckRequest(message);
    let last = '';
    for (let attempt = 0; attempt <= this.retries; attempt += 1) {
      if (attempt > 0) await delay(this.retryDelayMs * 2 ** (attempt - 1));
      const { timestamp, signature } = signCheckRequest(this.#secret, body, this.nextTimestamp());
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [CHECK_TIMESTAMP_HEADER]: timestamp, [CHECK_SIGNATURE_HEADER]: signature },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        last = describeFetchError(error, this.timeoutMs);
        continue;
      }
      if (response.status === 200) {
        const state = decodeCheckAnswer(text);
        if (state) return state;
        throw new CheckerFailedError(group, `the endpoint answered 200 without a valid state: ${text.slice(0, 200)}`, { messageId: message.id });
      }
      const code = errorCode(text);
      if (response.status === 500 && code === 'OUTBOX_CHECKER_FAILED') {
        throw new CheckerFailedError(group, `the checker threw: ${errorText(text)}`, { messageId: message.id });
      }
      if (response.status === 401 && code === CheckEndpointErrorCode.replayed) {
        last = `HTTP 401 ${code}: the endpoint had seen this signed request already`;
        continue;
      }
      if (response.status === 401 && code === CheckEndpointErrorCode.stale) {
        this.logger.error('the checker endpoint refused the request\'s timestamp: the relay\'s and the application\'s clocks differ by more than the endpoint\'s window', {
          producerGroup: group,
          url,
        });
        throw new CheckerUnavailableError(group, 'the endpoint refused the request\'s timestamp (401): sync the clocks of the relay and the application');
      }
      if (response.status === 401) {
        this.logger.error('the checker endpoint refused the relay\'s signature: the shared secrets differ', {
          producerGroup: group,
          url,
        });
        throw new CheckerUnavailableError(group, 'the endpoint refused the signature (401): check OUTBOX_CHECKER_SECRET on both sides');
      }
      last = `HTTP ${response.status}${code ? ` ${code}` : ''}: ${errorText(text)}`;
    }
    throw new CheckerUnavailableError(group, `${url}: ${last} (after ${this.retries + 1} attempts)`);
  }
}

function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { code?: unknown })?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

function errorText(text: string): string {
  try {
    const error = (JSON.parse(text) as { error?: unknown })?.error;
    if (typeof error === 'string') return error;
  } catch {
    // not JSON: a proxy's page
  }
  return text.slice(0, 200);
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (cause && typeof cause.code === 'string') return `${cause.code}${typeof cause.message === 'string' ? ` (${cause.message})` : ''}`;
  return thrownFacts(error).message;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
