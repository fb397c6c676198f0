import { OutboxNotConfiguredError } from './errors.js';
import type { OutboxContract } from './outbox-contract.js';

const DEFAULT_KEY = Symbol.for('outboxkit.default-outbox.v1');

type Holder = Record<symbol, OutboxContract | undefined>;

/** Makes `outbox` the one that decorators and plain functions use when given none. */
export function setDefaultOutbox(outbox: OutboxContract | undefined): void {
  (globalThis as unknown as Holder)[DEFAULT_KEY] = outbox;
}

export function getDefaultOutbox(): OutboxContract {
  const outbox = (globalThis as unknown as Holder)[DEFAULT_KEY];
  if (!outbox) {
    throw new OutboxNotConfiguredError(
      'No Outbox is configured. Create one first (for Prisma: createPrismaOutbox(prisma)), ' +
        'or pass { outbox } to the decorator.',
    );
  }
  return outbox;
}
