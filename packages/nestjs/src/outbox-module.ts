import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { createCheckerHandler, InvalidConfigError } from '@outboxkit/core';
import { createCheckController, DEFAULT_CHECK_PATH, OUTBOX_CHECK_HANDLER } from './check-endpoint.js';
import { OutboxExplorer } from './outbox-explorer.js';
import type { AnyOutbox, OutboxModuleAsyncOptions, OutboxModuleOptions, OutboxModuleStaticOptions } from './outbox-module-options.js';
import { OUTBOX, OUTBOX_CLIENT, OUTBOX_MODULE_OPTIONS } from './tokens.js';

/**
 * outboxkit for NestJS, over an outbox of any adapter.
 *
 * ```ts
 * @Module({ imports: [OutboxModule.forRoot({ outbox: createPrismaOutbox(prisma) })], providers: [OrderService] })
 * class AppModule {}
 * ```
 *
 * Provides the outbox (inject it with `@InjectOutbox()`) and its client
 * (`@InjectOutboxClient()`), makes the outbox the default of `@Transactional()` and `send()`
 * while the application runs, registers `@TransactionChecker` methods found on providers, collects
 * `@InboxHandler` methods (`OutboxExplorer.inboxHandlers()`), and mounts the sidecar check
 * endpoint when asked. Global by default.
 */
@Module({})
export class OutboxModule {
  static forRoot<O extends AnyOutbox>(options: OutboxModuleOptions<O> & OutboxModuleStaticOptions): DynamicModule {
    validate(options);
    const path = options.checkEndpoint ? (options.checkEndpoint.path ?? DEFAULT_CHECK_PATH) : undefined;
    return OutboxModule.build({ provide: OUTBOX_MODULE_OPTIONS, useValue: options }, options, [], path);
  }

  /** The outbox made by a factory, from providers it injects (the application's Prisma service, its configuration). */
  static forRootAsync<O extends AnyOutbox>(options: OutboxModuleAsyncOptions<O>): DynamicModule {
    if (typeof options?.useFactory !== 'function') {
      throw new InvalidConfigError('OutboxModule.forRootAsync', 'needs useFactory: (...inject) => ({ outbox: createPrismaOutbox(prisma), ... })');
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
      { provide: OUTBOX, useFactory: (options: OutboxModuleOptions) => options.outbox, inject: [OUTBOX_MODULE_OPTIONS] },
      {
        provide: OUTBOX_CLIENT,
        useFactory: (outbox: AnyOutbox & { client?: unknown }) => outbox.client,
        inject: [OUTBOX],
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
      exports: [OUTBOX, OUTBOX_CLIENT, OutboxExplorer],
    };
  }
}

/**
 * What an outbox of any adapter has. Checked by shape, not `instanceof Outbox`: an application
 * can load the ESM and the CommonJS build of @outboxkit/core side by side, each with its own class.
 */
function isOutbox(value: unknown): value is AnyOutbox {
  const outbox = value as Partial<AnyOutbox> | undefined;
  return (
    typeof outbox === 'object' &&
    outbox !== null &&
    typeof outbox.transaction === 'function' &&
    typeof outbox.send === 'function' &&
    typeof outbox.settings === 'object' &&
    outbox.settings !== null
  );
}

function validate<O extends AnyOutbox>(options: OutboxModuleOptions<O>): OutboxModuleOptions<O> {
  if (!isOutbox(options?.outbox)) {
    throw new InvalidConfigError(
      'OutboxModule outbox',
      "must be your application's outbox, made by its adapter: for Prisma, createPrismaOutbox(prisma) from @outboxkit/prisma-adapter, with your Prisma client (forRootAsync: return { outbox } from useFactory)",
    );
  }
  return options;
}
