// Public API of @outboxkit/nestjs: outboxkit as a NestJS module, over an outbox of any adapter.
export { OutboxModule } from './outbox-module.js';
export type {
  AnyOutbox,
  OutboxModuleOptions,
  OutboxModuleAsyncOptions,
  OutboxModuleStaticOptions,
  OutboxModuleAsyncStaticOptions,
  OutboxCheckEndpointOptions,
} from './outbox-module-options.js';
export { createCheckController, DEFAULT_CHECK_PATH, OUTBOX_CHECK_HANDLER } from './check-endpoint.js';
export { OutboxExplorer, type DiscoveredChecker } from './outbox-explorer.js';
export { OUTBOX, OUTBOX_CLIENT, OUTBOX_MODULE_OPTIONS, InjectOutbox, InjectOutboxClient } from './tokens.js';
