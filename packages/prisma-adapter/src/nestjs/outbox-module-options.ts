import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';
import type { CheckerHandlerOptions, CheckerRegistry } from '@outboxkit/core';
import type { PrismaClientLike } from '../prisma-client-like.js';
import type { PrismaOutboxOptions } from '../prisma-outbox.js';

export interface OutboxModuleOptions<C extends PrismaClientLike = PrismaClientLike> {
  /**
   * The application's Prisma client: a `PrismaClient` instance, or a Nest provider extending it
   * (a `PrismaService`). outboxkit opens its transactions on it and never disconnects it.
   */
  prisma: C;
  /**
   * Options of the PrismaOutbox: table names, maxMessageBytes, transaction defaults, logger.
   * `registerAsDefault` defaults to true: @Transactional() and `send()` use this outbox.
   */
  outbox?: PrismaOutboxOptions;
  /**
   * Register the @TransactionChecker methods of providers and controllers with the checker
   * registry when the application starts. Default true.
   */
  discoverCheckers?: boolean;
  /** Where discovered checkers are registered. Default: the process-wide `defaultCheckerRegistry()`. */
  checkerRegistry?: CheckerRegistry;
  /**
   * The sidecar check endpoint's settings (mounted when `checkEndpoint` is given to forRoot, or
   * `checkEndpoint: true | { path }` to forRootAsync). `secret` is the one shared with the relay
   * (OUTBOX_CHECKER_SECRET), at least 16 characters.
   */
  checkEndpoint?: OutboxCheckEndpointOptions;
}

export interface OutboxCheckEndpointOptions extends Omit<CheckerHandlerOptions, 'checkers'> {
  /** Route of the endpoint. Default `outboxkit/check`. Static: read when the module is defined. */
  path?: string;
}

/** Static settings of the module: they shape which providers and controllers exist. */
export interface OutboxModuleStaticOptions {
  /** Make the outbox providers visible to every module. Default true. */
  isGlobal?: boolean;
}

export interface OutboxModuleAsyncStaticOptions extends OutboxModuleStaticOptions {
  /**
   * Mount the sidecar check endpoint (its secret comes from the factory's `checkEndpoint`).
   * `true` mounts it at `outboxkit/check`. Default: not mounted.
   */
  checkEndpoint?: boolean | { path?: string };
}

export interface OutboxModuleAsyncOptions<C extends PrismaClientLike = PrismaClientLike> extends OutboxModuleAsyncStaticOptions {
  /** Modules exporting what the factory injects (a PrismaModule, ConfigModule...). */
  imports?: ModuleMetadata['imports'];
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useFactory: (...args: any[]) => OutboxModuleOptions<C> | Promise<OutboxModuleOptions<C>>;
}
