import { v7 as uuidv7 } from 'uuid';

/**
 * Message ids are UUIDv7: unique without coordination, roughly time-ordered (good for the
 * primary-key index), and the dedupe key every consumer sees in the message-id header.
 */
export function newMessageId(): string {
  return uuidv7();
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
