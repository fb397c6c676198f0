import { InvalidTransitionError } from './errors.js';

/** The states of docs/guarantees.md §3. Stored as text so a person reading the table understands it. */
export const MessageStatus = Object.freeze({
  HALF: 'HALF',
  READY: 'READY',
  PUBLISHED: 'PUBLISHED',
  ROLLED_BACK: 'ROLLED_BACK',
  DEAD: 'DEAD',
} as const);

export type MessageStatus = (typeof MessageStatus)[keyof typeof MessageStatus];

/**
 * Allowed moves. DEAD → READY exists only as an explicit operator action (a CLI command);
 * every SQL statement that changes a status is guarded by the expected current status.
 */
const TRANSITIONS: Readonly<Record<MessageStatus, readonly MessageStatus[]>> = Object.freeze({
  HALF: ['READY', 'ROLLED_BACK'],
  READY: ['PUBLISHED', 'DEAD'],
  PUBLISHED: [],
  ROLLED_BACK: [],
  DEAD: ['READY'],
});

export function canTransition(from: MessageStatus, to: MessageStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: MessageStatus, to: MessageStatus, messageId?: string): void {
  if (!canTransition(from, to)) {
    throw new InvalidTransitionError(from, to, messageId === undefined ? {} : { messageId });
  }
}
