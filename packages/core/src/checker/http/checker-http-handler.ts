import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CheckerUnavailableError } from '../../errors.js';
import { createConsoleLogger, type Logger } from '../../logger.js';
import { redactError } from '../../redact-secrets.js';
import { positiveInteger } from '../../setting-checks.js';
import { defaultCheckerRegistry } from '../checker-registry.js';
import type { CheckerResolver, HalfMessageView } from '../checker-types.js';
import { CheckEndpointErrorCode, decodeCheckRequest, type CheckErrorBody, type CheckResponseBody } from './check-protocol.js';
import { CheckReplayGuard } from './check-replay-guard.js';
import {
  assertSecret,
  CHECK_SIGNATURE_HEADER,
  CHECK_TIMESTAMP_HEADER,
  checkSignature,
  DEFAULT_SIGNATURE_TOLERANCE_MS,
} from './check-signature.js';

export interface CheckerHandlerOptions {
  /** The secret shared with the relay (OUTBOX_CHECKER_SECRET), at least 16 characters. Required. */
  secret: string;
  /** Where the checkers are. Default: the default CheckerRegistry (registerChecker / registerCheckers). */
  checkers?: CheckerResolver;
  /** Largest request body accepted, bytes. Default 4 MiB (a 1 MB message, base64, with room to spare). */
  maxBodyBytes?: number;
  /**
   * The replay window: how far a request's signed timestamp may be from this clock, ms. Default
   * 300,000 (5 minutes). With clocks kept by NTP, 30,000 is plenty and narrows what a captured
   * request is good for.
   */
  toleranceMs?: number;
  /**
   * Most signed requests remembered to refuse replays inside the window. Default 10,000. When
   * full, the oldest is forgotten and requests signed before it are refused (never let through).
   */
  replayCacheSize?: number;
  logger?: Logger;
}

export const DEFAULT_CHECKER_HANDLER_OPTIONS = Object.freeze({
  maxBodyBytes: 4 * 1024 * 1024,
  toleranceMs: DEFAULT_SIGNATURE_TOLERANCE_MS,
  replayCacheSize: 10_000,
});

/** A plain Node request handler; Express, Connect and Nest's Express adapter accept it as is. */
export type CheckerHttpHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * The application's side of sidecar mode: an HTTP endpoint through which the relay asks this
 * process's checkers. Any number of application instances can stand behind one URL: each answers
 * from its own checkers and keeps only its own replay cache.
 *
 *   app.post('/outboxkit/check', createCheckerHandler({ secret: process.env.OUTBOX_CHECKER_SECRET }))
 *
 * Mount it before (or instead of) a JSON body parser for its path: it verifies the signature over
 * the raw body. (If a parser already ran and left the raw body as a Buffer or string in
 * `req.body`, that is used.)
 *
 * What the caller gets back is written by outboxkit alone: a checker's exception can carry an
 * internal URL, a password, a customer's data, so it is logged here (redacted) under a `ref` and
 * the answer carries only the code and the ref.
 */
export function createCheckerHandler(options: CheckerHandlerOptions): CheckerHttpHandler {
  assertSecret(options.secret);
  const secret = options.secret;
  const checkers = options.checkers ?? defaultCheckerRegistry();
  const maxBodyBytes = positiveInteger('check endpoint maxBodyBytes', options.maxBodyBytes ?? DEFAULT_CHECKER_HANDLER_OPTIONS.maxBodyBytes);
  const toleranceMs = positiveInteger('check endpoint toleranceMs', options.toleranceMs ?? DEFAULT_CHECKER_HANDLER_OPTIONS.toleranceMs);
  const replays = new CheckReplayGuard(
    toleranceMs,
    positiveInteger('check endpoint replayCacheSize', options.replayCacheSize ?? DEFAULT_CHECKER_HANDLER_OPTIONS.replayCacheSize),
  );
  const logger = options.logger ?? createConsoleLogger('warn', { component: 'outboxkit-checker-endpoint' });

  return (req, res) => {
    void handle(req, res).catch((error: unknown) => {
      const ref = newRef();
      logger.error('checker endpoint failed', { ref, error: redactError(error) });
      if (!res.headersSent) {
        send(res, 500, { error: `the check endpoint failed; the details are in the application's log (ref ${ref})`, code: CheckEndpointErrorCode.checkerFailed, ref });
      }
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, { error: 'the check endpoint takes POST requests from the relay only', code: CheckEndpointErrorCode.methodNotAllowed });
    }
    const body = await readBody(req, maxBodyBytes);
    if (body.kind === 'too-large') {
      return send(res, 413, {
        error: `the body is above ${maxBodyBytes} bytes: raise maxBodyBytes if the relay's messages are that large`,
        code: CheckEndpointErrorCode.bodyTooLarge,
      });
    }
    if (body.kind === 'parsed') {
      return send(res, 500, {
        error: 'the request body was already parsed: mount the checker handler before express.json() for its path',
        code: CheckEndpointErrorCode.misconfigured,
      });
    }
    const timestamp = header(req, CHECK_TIMESTAMP_HEADER);
    const signature = header(req, CHECK_SIGNATURE_HEADER);
    const verdict = checkSignature(secret, body.text, timestamp, signature, { toleranceMs });
    // Never log the secret or the signature; the caller's address is enough to investigate.
    const remoteAddress = req.socket?.remoteAddress;
    if (verdict === 'missing' || verdict === 'invalid') {
      logger.warn(`checker request refused: ${verdict} signature`, { remoteAddress });
      return send(res, 401, {
        error: `${verdict} signature: sign each request with the secret shared with the relay (OUTBOX_CHECKER_SECRET on both sides)`,
        code: CheckEndpointErrorCode.unauthorized,
      });
    }
    if (verdict === 'stale') {
      logger.warn('checker request refused: its timestamp is outside the replay window', { remoteAddress, toleranceMs });
      return send(res, 401, {
        error: `the request's timestamp is more than ${toleranceMs} ms from this server's clock: sync the relay's and the application's clocks, and sign each request when it is sent`,
        code: CheckEndpointErrorCode.stale,
      });
    }
    if (!replays.admit(signature!, Number(timestamp))) {
      logger.warn('checker request refused: already received (a replay)', { remoteAddress });
      return send(res, 401, {
        error: 'this signed request was already received: each one is accepted once; send a newly signed request',
        code: CheckEndpointErrorCode.replayed,
      });
    }
    let message: HalfMessageView;
    try {
      message = decodeCheckRequest(body.text);
    } catch (error) {
      return send(res, 400, {
        error: `not a check request: ${(error as Error).message}; the body must be what the relay's HttpCheckerClient sends`,
        code: CheckEndpointErrorCode.badRequest,
      });
    }
    try {
      const state = await checkers.check(message);
      send(res, 200, { state });
    } catch (error) {
      if (error instanceof CheckerUnavailableError) {
        return send(res, 404, {
          error: `no checker for producer group ${JSON.stringify(message.producerGroup)} on this instance: register one (registerChecker / @TransactionChecker)`,
          code: CheckEndpointErrorCode.unavailable,
        });
      }
      const ref = newRef();
      logger.warn('checker failed', { ref, messageId: message.id, producerGroup: message.producerGroup, error: redactError(error) });
      send(res, 500, {
        error: `the checker failed; the details are in the application's log (ref ${ref}). The relay counts this check and asks again later`,
        code: CheckEndpointErrorCode.checkerFailed,
        ref,
      });
    }
  }
}

type Body = { kind: 'text'; text: string } | { kind: 'too-large' } | { kind: 'parsed' };

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Body> {
  const preParsed = (req as IncomingMessage & { body?: unknown }).body;
  if (Buffer.isBuffer(preParsed)) return preParsed.length > maxBytes ? { kind: 'too-large' } : { kind: 'text', text: preParsed.toString('utf8') };
  if (typeof preParsed === 'string') return Buffer.byteLength(preParsed) > maxBytes ? { kind: 'too-large' } : { kind: 'text', text: preParsed };
  if (preParsed !== undefined && req.readableEnded) return { kind: 'parsed' };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return { kind: 'too-large' };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > maxBytes) return { kind: 'too-large' };
    chunks.push(buffer);
  }
  return { kind: 'text', text: Buffer.concat(chunks).toString('utf8') };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function newRef(): string {
  return randomBytes(8).toString('hex');
}

function send(res: ServerResponse, status: number, body: CheckResponseBody | CheckErrorBody): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.setHeader('cache-control', 'no-store');
  // A refused request body may still be arriving: the connection cannot be reused safely after it.
  if (status === 413) res.setHeader('connection', 'close');
  res.end(text);
}
