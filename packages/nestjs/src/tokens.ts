import { Inject } from '@nestjs/common';

/** The resolved OutboxModuleOptions. */
export const OUTBOX_MODULE_OPTIONS = Symbol.for('outboxkit.nestjs.module-options');

/**
 * The outbox given to the module (`forRoot({ outbox })`, or what `forRootAsync`'s factory
 * returned). A token of its own, not the outbox's class: the module knows no adapter, and the one
 * token works for an outbox of any adapter.
 */
export const OUTBOX = Symbol.for('outboxkit.nestjs.outbox');

/**
 * The outbox's application client, `outbox.client`, for an outbox that has one — a PrismaOutbox's
 * is the application's Prisma client, whose model calls inside a @Transactional method join the
 * method's transaction; inject it where you used your client before. `undefined` for an outbox
 * without a `client`.
 */
export const OUTBOX_CLIENT = Symbol.for('outboxkit.nestjs.outbox-client');

/** Injects the outbox (the OUTBOX token). Explicit, so it works without emitted type metadata. */
export const InjectOutbox = (): ParameterDecorator & PropertyDecorator => Inject(OUTBOX);

/** Injects `outbox.client`, the client whose calls join outbox transactions (the OUTBOX_CLIENT token). */
export const InjectOutboxClient = (): ParameterDecorator & PropertyDecorator => Inject(OUTBOX_CLIENT);
