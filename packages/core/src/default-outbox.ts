import { OutboxNotConfiguredError } from './errors.js';
import type { Outbox } from './outbox.js';

const DEFAULT_KEY = Symbol.for('outboxkit.default-outbox.v1');

type Holder = Record<symbol, Outbox<unknown> | undefined>;

/** Makes `outbox` the one that decorators and plain functions use when given none. */
export function setDefaultOutbox(outbox: Outbox<unknown> | undefined): void {
  (globalThis as unknown as Holder)[DEFAULT_KEY] = outbox;
}

export function getDefaultOutbox(): Outbox<unknown> {
  const outbox = (globalThis as unknown as Holder)[DEFAULT_KEY];
  if (!outbox) {
    throw new OutboxNotConfiguredError(
      'No Outbox is configured. Create one first (for Prisma: createPrismaOutbox(prisma)), ' +
        'or pass { outbox } to the decorator.',
    );
  }
  return outbox;
}
