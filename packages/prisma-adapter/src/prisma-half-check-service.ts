import { HalfCheckService, type HalfCheckServiceOptions } from '@outboxkit/core/internal';
import type { PrismaClientLike } from './prisma-client-like.js';
import type { PrismaOutbox } from './prisma-outbox.js';

/**
 * The half messages' back-check inside the application, on its own Prisma client — for a service
 * that runs no Relay of its own (e.g. a Kafka Connect / Debezium pipeline publishes READY rows) but
 * must still resolve undecided half messages. Its statements are single and short; it asks the
 * default CheckerRegistry unless given `checker`. Pass the same `tables` as the Outbox if you
 * changed them. Start it with `.start()`, stop it with `await .stop()`.
 */
export function createPrismaHalfCheckService<C extends PrismaClientLike>(
  outbox: PrismaOutbox<C>,
  options: Omit<HalfCheckServiceOptions, 'executor'> = {},
): HalfCheckService {
  return new HalfCheckService({ logger: outbox.settings.logger, ...options, executor: outbox.executor });
}
