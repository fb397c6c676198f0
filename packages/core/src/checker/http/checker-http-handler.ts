import type { IncomingMessage, ServerResponse } from 'node:http';
import { CheckerUnavailableError } from '../../errors.js';
import { createConsoleLogger, type Logger } from '../../logger.js';
import { defaultCheckerRegistry } from '../checker-registry.js';
import type { CheckerResolver } from '../checker-types.js';
import { decodeCheckRequest, type CheckResponseBody } from './check-protocol.js';
import { assertSecret, CHECK_SIGNATURE_HEADER, CHECK_TIMESTAMP_HEADER, verifyCheckSignature } from './check-signature.js';

export interface CheckerHandlerOptions {
  /** The secret shared with the relay (OUTBOX_CHECKER_SECRET), at least 16 characters. Required. */
  secret: string;
  /** Where the checkers are. Default: the default CheckerRegistry (registerChecker / registerCheckers). */
  checkers?: CheckerResolver;
  /** Largest request body accepted, bytes. Default 4 MiB (a 1 MB message, base64, with room to spare). */
  maxBodyBytes?: number;
  /** Accepted clock difference between relay and application, ms. Default 300,000. */
  toleranceMs?: number;
  logger?: Logger;
}

/** A plain Node request handler; Express, Connect and Nest's Express adapter accept it as is. */
export type CheckerHttpHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * The application's side of sidecar mode: an HTTP endpoint through which the relay asks this
 * process's checkers. Stateless, so any number of application instances can stand behind one URL.
 *
 *   app.post('/outboxkit/check', createCheckerHandler({ secret: process.env.OUTBOX_CHECKER_SECRET }))
 *
 * Mount it before (or instead of) a JSON body parser for its path: it verifies the signature over
 * the raw body. (If a parser already ran and left the raw body as a Buffer or string in
 * `req.body`, that is used.)
 */
export function createCheckerHandler(options: CheckerHandlerOptions): CheckerHttpHandler {
  assertSecret(options.secret);
  const secret = options.secret;
  const checkers = options.checkers ?? defaultCheckerRegistry();
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const logger = options.logger ?? createConsoleLogger('warn', { component: 'outboxkit-checker-endpoint' });
  const verifyOptions = options.toleranceMs === undefined ? {} : { toleranceMs: options.toleranceMs };

  return (req, res) => {
    void handle(req, res).catch((error: unknown) => {
      logger.error('checker endpoint failed', { error });
      if (!res.headersSent) send(res, 500, { error: 'internal error', code: 'OUTBOX_CHECKER_FAILED' });
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      send(res, 405, { error: 'use POST', code: 'OUTBOX_METHOD_NOT_ALLOWED' });
      return;
    }
    const body = await readBody(req, maxBodyBytes);
    if (body.kind === 'too-large') return send(res, 413, { error: `body above ${maxBodyBytes} bytes`, code: 'OUTBOX_BODY_TOO_LARGE' });
    if (body.kind === 'parsed') {
      return send(res, 500, {
        error: 'the request body was already parsed: mount the checker handler before express.json() for its path',
        code: 'OUTBOX_CHECKER_MISCONFIGURED',
      });
    }
    const timestamp = header(req, CHECK_TIMESTAMP_HEADER);
    const signature = header(req, CHECK_SIGNATURE_HEADER);
    if (!verifyCheckSignature(secret, body.text, timestamp, signature, verifyOptions)) {
      // Never log the secret or the signature; the caller's address is enough to investigate.
      logger.warn('checker request refused: bad or missing signature', { remoteAddress: req.socket?.remoteAddress });
      return send(res, 401, { error: 'invalid or missing signature', code: 'OUTBOX_CHECK_UNAUTHORIZED' });
    }
    let message;
    try {
      message = decodeCheckRequest(body.text);
    } catch (error) {
      return send(res, 400, { error: `bad check request: ${(error as Error).message}`, code: 'OUTBOX_BAD_CHECK_REQUEST' });
    }
    try {
      const state = await checkers.check(message);
      send(res, 200, { state });
    } catch (error) {
      if (error instanceof CheckerUnavailableError) {
        send(res, 404, { error: error.message, code: error.code });
      } else {
        logger.warn('checker failed', { messageId: message.id, producerGroup: message.producerGroup, error });
        send(res, 500, { error: error instanceof Error ? error.message : String(error), code: 'OUTBOX_CHECKER_FAILED' });
      }
    }
  }
}

type Body = { kind: 'text'; text: string } | { kind: 'too-large' } | { kind: 'parsed' };

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Body> {
  const preParsed = (req as IncomingMessage & { body?: unknown }).body;
  if (Buffer.isBuffer(preParsed)) return preParsed.length > maxBytes ? { kind: 'too-large' } : { kind: 'text', text: preParsed.toString('utf8') };
  if (typeof preParsed === 'string') return { kind: 'text', text: preParsed };
  if (preParsed !== undefined && req.readableEnded) return { kind: 'parsed' };
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

function send(res: ServerResponse, status: number, body: CheckResponseBody | { error: string; code: string }): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.setHeader('cache-control', 'no-store');
  res.end(text);
}
