/**
 * One description of a thrown value for the whole package (kafkajs protocol errors read
 * `TYPE: message`); it never throws, whatever was thrown (core's describe-error.ts).
 */
export { describeError } from '@outboxkit/core/internal';

/**
 * Broker error types that no retry can cure for the message as it is: such a message is parked
 * as DEAD instead of blocking the relay. Everything else is treated as transient.
 */
const PERMANENT_ERROR_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'TOPIC_AUTHORIZATION_FAILED',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
  'INVALID_REQUIRED_ACKS',
]);

export function isPermanentBrokerError(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && PERMANENT_ERROR_TYPES.has(type)) return true;
  // kafkajs wraps per-partition failures; look inside.
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause && cause !== error) return isPermanentBrokerError(cause);
  const errors = (error as { errors?: unknown } | null)?.errors;
  if (Array.isArray(errors)) return errors.length > 0 && errors.every(isPermanentBrokerError);
  return false;
}

/**
 * Errors after which the idempotent producer's session is unusable (the broker forgot its
 * producer id or sequence, e.g. after a restart that lost state) or the producer object is shut:
 * the relay replaces the producer instead of retrying with it forever.
 */
const PRODUCER_STATE_ERROR_TYPES = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'PRODUCER_FENCED',
]);

export function needsNewProducer(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 5) return false;
  const { type, message, cause, errors } = error as { type?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof type === 'string' && PRODUCER_STATE_ERROR_TYPES.has(type)) return true;
  if (typeof message === 'string' && /producer is disconnect/i.test(message)) return true;
  if (cause && cause !== error && needsNewProducer(cause, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((e) => needsNewProducer(e, depth + 1));
}

/** kafkajs's errors that may succeed when tried again (its `retriable` flag, also on a wrapped cause). */
export function isRetriableKafkaError(error: unknown): boolean {
  let current = error as { retriable?: unknown; name?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth += 1) {
    if (current.retriable === true || current.name === 'KafkaJSConnectionError' || current.name === 'KafkaJSRequestTimeoutError') return true;
    current = current.cause as typeof current;
  }
  return false;
}
