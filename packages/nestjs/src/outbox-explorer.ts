import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { collectInboxHandlers, type CheckerRegistry, type InboxHandlerDefinition } from '@outboxkit/core';
import {
  checkerMethodsOf,
  defaultCheckerRegistry,
  getDefaultOutbox,
  setDefaultOutbox,
} from '@outboxkit/core/internal';
import type { AnyOutbox, OutboxModuleOptions } from './outbox-module-options.js';
import { OUTBOX, OUTBOX_MODULE_OPTIONS } from './tokens.js';

/** A checker method found on a provider. */
export interface DiscoveredChecker {
  producerGroup: string;
  /** `ClassName.method`, for logs. */
  name: string;
}

/**
 * Walks the application's providers and controllers once they exist (DiscoveryService) and
 * wires outboxkit's decorated methods:
 * - `@TransactionChecker(group)` methods are registered with the checker registry, so the
 *   in-process check service and the sidecar check endpoint can answer back-checks;
 * - `@InboxHandler({ topic })` methods are collected, bound to their instances, for the consumer
 *   helper (`inboxHandlers()`).
 * Only singleton providers are walked: a request-scoped or transient provider has no one instance
 * a relay could call back.
 */
@Injectable()
export class OutboxExplorer implements OnModuleInit, OnModuleDestroy {
  private instances: object[] = [];
  private checkers: DiscoveredChecker[] = [];
  private unregister: Array<() => void> = [];

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(OUTBOX_MODULE_OPTIONS) private readonly options: OutboxModuleOptions,
    @Inject(OUTBOX) private readonly outbox: AnyOutbox,
  ) {}

  /** The registry checkers are registered with (default: the process-wide one). */
  get checkerRegistry(): CheckerRegistry {
    return this.options.checkerRegistry ?? defaultCheckerRegistry();
  }

  onModuleInit(): void {
    // The outbox is the default while the application runs. Set here, not only when the outbox
    // was created: one outbox given to forRoot outlives an application that closed (a test's
    // app per case), and the next one must find it the default again.
    if (this.outbox.settings.registerAsDefault) setDefaultOutbox(this.outbox);
    const seen = new Set<object>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || seen.has(instance)) continue;
      if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) continue;
      seen.add(instance);
    }
    this.instances = [...seen];
    if (this.options.discoverCheckers === false) return;
    for (const instance of this.instances) {
      for (const { producerGroup, method, checker } of checkerMethodsOf(instance)) {
        this.unregister.push(this.checkerRegistry.register(producerGroup, checker));
        this.checkers.push({ producerGroup, name: `${instance.constructor.name}.${String(method)}` });
      }
    }
  }

  onModuleDestroy(): void {
    for (const unregister of this.unregister.splice(0)) unregister();
    this.checkers = [];
    // The outbox is the default no longer than the application runs: later code must not find it.
    try {
      if (getDefaultOutbox() === this.outbox) setDefaultOutbox(undefined);
    } catch {
      /* no default outbox */
    }
  }

  /** The checker methods registered at start-up. */
  discoveredCheckers(): DiscoveredChecker[] {
    return [...this.checkers];
  }

  /**
   * The `@InboxHandler` methods of the application's providers, bound to their instances, for
   * `createInboxConsumer({ handlers })`. With `consumerGroup`, only handlers for that group (or
   * for any group).
   */
  inboxHandlers(filter: { consumerGroup?: string } = {}): InboxHandlerDefinition[] {
    return this.instances.flatMap((instance) => collectInboxHandlers(instance, filter));
  }
}
