import { isLocalTransactionState, type LocalTransactionState } from '../../half/local-transaction-state.js';
import type { HalfMessageView } from '../checker-types.js';

/** Version of the relay ⇄ application check protocol, sent in every request. */
export const CHECK_PROTOCOL_VERSION = 1;

/** The JSON body the relay POSTs to the application's checker endpoint. */
export interface CheckRequestBody {
  protocol: number;
  message: {
    id: string;
    topic: string;
    key: string | null;
    /** The JSON value (absent when the value is raw bytes). */
    value?: unknown;
    /** Raw-bytes value, base64 (absent when the value is JSON). */
    valueBase64?: string;
    type: string | null;
    headers: Record<string, string>;
    producerGroup: string;
    transactionId: string;
    checkCount: number;
    createdAt: string;
  };
}

/**
 * The `code` of every error body the check endpoint sends. The `error` text beside it is written
 * by outboxkit, never copied from a checker's exception (that goes to the application's log).
 */
export const CheckEndpointErrorCode = Object.freeze({
  /** 401: no signature headers, or not the shared secret's signature of this body. */
  unauthorized: 'OUTBOX_CHECK_UNAUTHORIZED',
  /** 401: a genuine signature whose timestamp is outside the endpoint's window (clocks differ). */
  stale: 'OUTBOX_CHECK_STALE',
  /** 401: this signed request was already accepted (a replay). */
  replayed: 'OUTBOX_CHECK_REPLAYED',
  /** 400: signed, but not a check request of this protocol. */
  badRequest: 'OUTBOX_BAD_CHECK_REQUEST',
  /** 404: no checker for the group on this instance (the relay does not count it). */
  unavailable: 'OUTBOX_CHECKER_UNAVAILABLE',
  /** 405: not a POST. */
  methodNotAllowed: 'OUTBOX_METHOD_NOT_ALLOWED',
  /** 413: body above `maxBodyBytes`. */
  bodyTooLarge: 'OUTBOX_BODY_TOO_LARGE',
  /** 500: the checker threw or answered nonsense (the relay counts it); details in the app's log under `ref`. */
  checkerFailed: 'OUTBOX_CHECKER_FAILED',
  /** 500: the endpoint is mounted where it cannot read the raw body. */
  misconfigured: 'OUTBOX_CHECKER_MISCONFIGURED',
} as const);

export type CheckEndpointErrorCode = (typeof CheckEndpointErrorCode)[keyof typeof CheckEndpointErrorCode];

/** An error answer of the endpoint; `ref` ties a 500 to its line in the application's log. */
export interface CheckErrorBody {
  error: string;
  code: CheckEndpointErrorCode;
  ref?: string;
}

/**
 * The endpoint's answer: 200 `{ state }`, or a `CheckErrorBody` (see `CheckEndpointErrorCode` for
 * the statuses and what the relay does with each).
 */
export type CheckResponseBody = { state: LocalTransactionState } | CheckErrorBody;

export function encodeCheckRequest(message: HalfMessageView): string {
  const { value, createdAt, ...rest } = message;
  const body: CheckRequestBody = {
    protocol: CHECK_PROTOCOL_VERSION,
    message: {
      ...rest,
      ...(value instanceof Uint8Array ? { valueBase64: Buffer.from(value).toString('base64') } : { value }),
      createdAt: createdAt.toISOString(),
    },
  };
  return JSON.stringify(body);
}

/** Parses and validates a request body; throws a TypeError saying what is wrong (never quoting the body). */
export function decodeCheckRequest(text: string): HalfMessageView {
  let body: Partial<CheckRequestBody> | null;
  try {
    body = JSON.parse(text) as Partial<CheckRequestBody> | null;
  } catch {
    throw new TypeError('the body is not JSON');
  }
  if (body === null || typeof body !== 'object') throw new TypeError('the body is not a JSON object');
  if (body.protocol !== CHECK_PROTOCOL_VERSION) {
    const shown = (JSON.stringify(body.protocol) ?? 'undefined').slice(0, 40);
    throw new TypeError(`unsupported protocol ${shown} (this endpoint speaks ${CHECK_PROTOCOL_VERSION}: upgrade the older side)`);
  }
  const m = body.message;
  if (!m || typeof m !== 'object') throw new TypeError('message is missing');
  for (const field of ['id', 'topic', 'producerGroup', 'transactionId', 'createdAt'] as const) {
    if (typeof m[field] !== 'string') throw new TypeError(`message.${field} must be a string`);
  }
  if (!Number.isInteger(m.checkCount)) throw new TypeError('message.checkCount must be an integer');
  return {
    id: m.id,
    topic: m.topic,
    key: typeof m.key === 'string' ? m.key : null,
    value: typeof m.valueBase64 === 'string' ? new Uint8Array(Buffer.from(m.valueBase64, 'base64')) : m.value,
    type: typeof m.type === 'string' ? m.type : null,
    headers: m.headers && typeof m.headers === 'object' ? m.headers : {},
    producerGroup: m.producerGroup,
    transactionId: m.transactionId,
    checkCount: m.checkCount,
    createdAt: new Date(m.createdAt),
  };
}

/** Parses the endpoint's 200 answer; undefined when it is not a valid state. */
export function decodeCheckAnswer(text: string): LocalTransactionState | undefined {
  try {
    const state = (JSON.parse(text) as { state?: unknown })?.state;
    return isLocalTransactionState(state) ? state : undefined;
  } catch {
    return undefined;
  }
}
