// Public API of @outboxkit/prisma-adapter/nestjs: outboxkit as a NestJS module.
export { OutboxModule } from './outbox-module.js';
export type {
  OutboxModuleOptions,
  OutboxModuleAsyncOptions,
  OutboxModuleStaticOptions,
  OutboxModuleAsyncStaticOptions,
  OutboxCheckEndpointOptions,
} from './outbox-module-options.js';
export { createCheckController, DEFAULT_CHECK_PATH, OUTBOX_CHECK_HANDLER } from './check-endpoint.js';
export { OutboxExplorer, type DiscoveredChecker } from './outbox-explorer.js';
export { OUTBOX_MODULE_OPTIONS, OUTBOX_PRISMA_CLIENT, InjectOutbox, InjectOutboxClient } from './tokens.js';
export { PrismaOutbox } from '../prisma-outbox.js';
