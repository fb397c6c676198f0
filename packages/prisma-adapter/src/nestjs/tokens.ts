import { Inject } from '@nestjs/common';
import { PrismaOutbox } from '../prisma-outbox.js';

/** The resolved OutboxModuleOptions. */
export const OUTBOX_MODULE_OPTIONS = Symbol.for('outboxkit.nestjs.module-options');

/**
 * The application's Prisma client extended by the outbox (`outbox.client`): inside a
 * @Transactional method its model calls join the method's transaction. Inject it where you used
 * your Prisma client before.
 */
export const OUTBOX_PRISMA_CLIENT = Symbol.for('outboxkit.nestjs.prisma-client');

/** Injects the PrismaOutbox (the class is the token). Explicit, so it works without emitted type metadata. */
export const InjectOutbox = (): ParameterDecorator & PropertyDecorator => Inject(PrismaOutbox);

/** Injects `outbox.client`, the Prisma client that joins outbox transactions. */
export const InjectOutboxClient = (): ParameterDecorator & PropertyDecorator => Inject(OUTBOX_PRISMA_CLIENT);
