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

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const type = (error as { type?: unknown }).type;
    return typeof type === 'string' ? `${type}: ${error.message}` : error.message;
  }
  return String(error);
}
