import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';
import type { CheckerHandlerOptions, CheckerRegistry, Outbox } from '@outboxkit/core';

/** Any adapter's outbox (a PrismaOutbox, say): what the module provides and its explorer needs. */
export type AnyOutbox = Outbox<any>;

export interface OutboxModuleOptions<O extends AnyOutbox = AnyOutbox> {
  /**
   * The application's outbox, made by its adapter — for Prisma,
   * `createPrismaOutbox(prisma, options)` from `@outboxkit/prisma-adapter`. The module provides it
   * (`@InjectOutbox()`), and its `client` when it has one (`@InjectOutboxClient()`). While the
   * application runs it is the default of @Transactional() and `send()`, unless it was created
   * with `registerAsDefault: false`. The module never closes it, nor the client under it.
   */
  outbox: O;
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

export interface OutboxModuleAsyncOptions<O extends AnyOutbox = AnyOutbox> extends OutboxModuleAsyncStaticOptions {
  /** Modules exporting what the factory injects (a PrismaModule, ConfigModule...). */
  imports?: ModuleMetadata['imports'];
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** Makes the outbox (and the other options) from what `inject` names: `(prisma) => ({ outbox: createPrismaOutbox(prisma) })`. */
  useFactory: (...args: any[]) => OutboxModuleOptions<O> | Promise<OutboxModuleOptions<O>>;
}
