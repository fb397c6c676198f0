import type { TypedEvents } from './events.js';
import type { HalfMessageEvents } from './half/half-events.js';
import type { MessageLimits, ResolvedOutboxSettings } from './outbox-settings.js';
import type { TransactionOptions } from './ports.js';

/** Transaction events, and the half-message events of half/half-events.ts. */
export interface OutboxEvents extends HalfMessageEvents {
  /** A transaction that sent messages committed; fired after commit. */
  'transaction:committed': { messageIds: string[]; topics: string[] };
  /** A transaction opened by outboxkit rolled back. */
  'transaction:rolled-back': { error: unknown; discardedMessages: number };
}

/**
 * What half messages, the decorators and the default-outbox registry need of an Outbox; the
 * class in outbox.ts implements it. A module of its own because the Outbox class uses them
 * (`outbox.sendHalf`, registering itself as the default): were they to name the class, each
 * would import the module that imports it.
 */
export interface OutboxContract {
  readonly settings: ResolvedOutboxSettings;
  readonly events: TypedEvents<OutboxEvents>;
  /** The size limits every message sent through this Outbox is checked against. */
  readonly messageLimits: MessageLimits;
  /** Runs `work` in a transaction of this Outbox (see Outbox.transaction). */
  transaction<T>(work: () => Promise<T>, options?: TransactionOptions): Promise<T>;
}
