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
 * The endpoint's answer: 200 `{ state }`; 404 `{ error, code: 'OUTBOX_CHECKER_UNAVAILABLE' }` when
 * this instance has no checker for the group (not counted by the relay); 500 `{ error, code:
 * 'OUTBOX_CHECKER_FAILED' }` when the checker threw (counted); 401 for a bad signature.
 */
export type CheckResponseBody = { state: LocalTransactionState } | { error: string; code: string };

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

/** Parses and validates a request body; throws a TypeError saying what is wrong. */
export function decodeCheckRequest(text: string): HalfMessageView {
  const body = JSON.parse(text) as Partial<CheckRequestBody>;
  if (body?.protocol !== CHECK_PROTOCOL_VERSION) throw new TypeError(`unsupported protocol ${String(body?.protocol)}`);
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
