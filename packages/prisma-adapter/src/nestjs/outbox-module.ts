import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { createCheckerHandler, InvalidConfigError } from '@outboxkit/core';
import { createPrismaOutbox, PrismaOutbox } from '../prisma-outbox.js';
import type { PrismaClientLike } from '../prisma-client-like.js';
import { createCheckController, DEFAULT_CHECK_PATH, OUTBOX_CHECK_HANDLER } from './check-endpoint.js';
import { OutboxExplorer } from './outbox-explorer.js';
import type { OutboxModuleAsyncOptions, OutboxModuleOptions, OutboxModuleStaticOptions } from './outbox-module-options.js';
import { OUTBOX_MODULE_OPTIONS, OUTBOX_PRISMA_CLIENT } from './tokens.js';

/**
 * outboxkit for NestJS.
 *
 * ```ts
 * @Module({ imports: [OutboxModule.forRoot({ prisma })], providers: [OrderService] })
 * class AppModule {}
 * ```
 *
 * Provides the `PrismaOutbox` (inject it with `@InjectOutbox()` or `@Inject(PrismaOutbox)`) and
 * its client (`@InjectOutboxClient()`), makes the outbox the default of `@Transactional()` and
 * `send()`, registers `@TransactionChecker` methods found on providers, collects `@InboxHandler`
 * methods (`OutboxExplorer.inboxHandlers()`), and mounts the sidecar check endpoint when asked.
 * Global by default.
 */
@Module({})
export class OutboxModule {
  static forRoot<C extends PrismaClientLike>(options: OutboxModuleOptions<C> & OutboxModuleStaticOptions): DynamicModule {
    validate(options);
    const path = options.checkEndpoint ? (options.checkEndpoint.path ?? DEFAULT_CHECK_PATH) : undefined;
    return OutboxModule.build({ provide: OUTBOX_MODULE_OPTIONS, useValue: options }, options, [], path);
  }

  static forRootAsync<C extends PrismaClientLike>(options: OutboxModuleAsyncOptions<C>): DynamicModule {
    if (typeof options?.useFactory !== 'function') {
      throw new InvalidConfigError('OutboxModule.forRootAsync', 'needs useFactory: (...inject) => ({ prisma, ... })');
    }
    const optionsProvider: Provider = {
      provide: OUTBOX_MODULE_OPTIONS,
      useFactory: async (...args: unknown[]) => validate(await options.useFactory(...args)),
      inject: options.inject ?? [],
    };
    const endpoint = options.checkEndpoint;
    const path = endpoint ? ((typeof endpoint === 'object' ? endpoint.path : undefined) ?? DEFAULT_CHECK_PATH) : undefined;
    return OutboxModule.build(optionsProvider, options, options.imports ?? [], path);
  }

  private static build(
    optionsProvider: Provider,
    staticOptions: OutboxModuleStaticOptions,
    imports: NonNullable<DynamicModule['imports']>,
    checkPath: string | undefined,
  ): DynamicModule {
    const providers: Provider[] = [
      optionsProvider,
      {
        provide: PrismaOutbox,
        useFactory: (options: OutboxModuleOptions) => createPrismaOutbox(options.prisma, options.outbox),
        inject: [OUTBOX_MODULE_OPTIONS],
      },
      {
        provide: OUTBOX_PRISMA_CLIENT,
        useFactory: (outbox: PrismaOutbox<PrismaClientLike>) => outbox.client,
        inject: [PrismaOutbox],
      },
      OutboxExplorer,
    ];
    const controllers: Type<unknown>[] = [];
    if (checkPath !== undefined) {
      providers.push({
        provide: OUTBOX_CHECK_HANDLER,
        useFactory: (options: OutboxModuleOptions, explorer: OutboxExplorer) => {
          if (!options.checkEndpoint) {
            throw new InvalidConfigError('OutboxModule checkEndpoint', 'the check endpoint is mounted, so the options need checkEndpoint: { secret }');
          }
          const { path: _path, ...handlerOptions } = options.checkEndpoint;
          return createCheckerHandler({ ...handlerOptions, checkers: explorer.checkerRegistry });
        },
        inject: [OUTBOX_MODULE_OPTIONS, OutboxExplorer],
      });
      controllers.push(createCheckController(checkPath));
    }
    return {
      module: OutboxModule,
      global: staticOptions.isGlobal ?? true,
      imports: [DiscoveryModule, ...imports],
      controllers,
      providers,
      exports: [PrismaOutbox, OUTBOX_PRISMA_CLIENT, OutboxExplorer],
    };
  }
}

function validate<C extends PrismaClientLike>(options: OutboxModuleOptions<C>): OutboxModuleOptions<C> {
  const prisma = options?.prisma as Partial<PrismaClientLike> | undefined;
  if (!prisma || typeof prisma.$transaction !== 'function' || typeof prisma.$extends !== 'function') {
    throw new InvalidConfigError('OutboxModule prisma', 'must be your Prisma client instance (new PrismaClient({ adapter }) or a PrismaService extending it)');
  }
  return options;
}
