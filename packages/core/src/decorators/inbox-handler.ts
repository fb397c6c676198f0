import { InvalidConfigError } from '../errors.js';
import { validateHandlerOptions, type InboxHandlerDefinition, type InboxHandlerOptions } from '../consumer/inbox-handler.js';
import type { MethodDecorator } from './wrap-method.js';

/** reflect-metadata key under which the options sit on the method function (what Nest's Reflector reads). */
export const INBOX_HANDLER_METADATA = 'outboxkit:inbox-handler';

type Registry = WeakMap<object, Map<string | symbol, InboxHandlerOptions>>;
const REGISTRY_KEY = Symbol.for('outboxkit.inbox-handlers.v1');

/** On globalThis, so two copies of @outboxkit/core still see one registry. */
function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (holder[REGISTRY_KEY] ??= new WeakMap());
}

function register(owner: object, methodName: string | symbol, options: InboxHandlerOptions): void {
  let methods = registry().get(owner);
  if (!methods) registry().set(owner, (methods = new Map()));
  methods.set(methodName, options);
}

/**
 * Marks a method as the inbox handler of a topic. The method is not wrapped: the consumer helper
 * calls it with an `InboxHandlerContext` inside the transaction that records the receipt.
 *
 * Works under legacy `experimentalDecorators` (NestJS) — the options are kept per class prototype
 * and, when reflect-metadata is loaded, as metadata on the method — and under TC39 decorators,
 * where an initializer records them on each instance. No emitted type metadata is read. Collect
 * the handlers of an instance with `collectInboxHandlers(instance)`.
 */
export function InboxHandler(options: InboxHandlerOptions): MethodDecorator {
  validateHandlerOptions(options, '@InboxHandler');
  const frozen = Object.freeze({ ...options });
  return (target: unknown, contextOrKey: unknown, descriptor?: PropertyDescriptor) => {
    if (isStandardContext(contextOrKey)) {
      if (contextOrKey.kind !== 'method' || contextOrKey.static || typeof target !== 'function') {
        throw new TypeError('@InboxHandler() can only decorate instance methods');
      }
      const name = contextOrKey.name;
      contextOrKey.addInitializer(function (this: unknown) {
        register(this as object, name, frozen);
      });
      return undefined;
    }
    if (!descriptor || typeof descriptor.value !== 'function' || typeof target !== 'object' || target === null) {
      throw new TypeError('@InboxHandler() can only decorate instance methods');
    }
    register(target, contextOrKey as string | symbol, frozen);
    defineReflectMetadata(descriptor.value as object, frozen);
    return descriptor;
  };
}

/** One decorated method: for discovery code (Nest) that walks providers itself. */
export interface InboxHandlerMethod {
  methodName: string | symbol;
  options: InboxHandlerOptions;
}

/** The decorated methods of an instance, its class and base classes (a subclass's own wins). */
export function getInboxHandlerMethods(instance: object): InboxHandlerMethod[] {
  const found = new Map<string | symbol, InboxHandlerOptions>();
  for (let owner: object | null = instance; owner && owner !== Object.prototype; owner = Object.getPrototypeOf(owner)) {
    for (const [methodName, options] of registry().get(owner) ?? []) {
      if (!found.has(methodName)) found.set(methodName, options);
    }
  }
  return [...found].map(([methodName, options]) => ({ methodName, options }));
}

/**
 * The handlers of an instance's decorated methods, bound to it, ready for `createInboxConsumer`.
 * With `consumerGroup`, only handlers for that group (or for any group) are returned.
 */
export function collectInboxHandlers(instance: object, filter: { consumerGroup?: string } = {}): InboxHandlerDefinition[] {
  return getInboxHandlerMethods(instance)
    .filter(({ options }) => !filter.consumerGroup || !options.consumerGroup || options.consumerGroup === filter.consumerGroup)
    .map(({ methodName, options }) => {
      const method = (instance as Record<string | symbol, unknown>)[methodName];
      if (typeof method !== 'function') {
        throw new InvalidConfigError('@InboxHandler', `${String(methodName)} is not a method of ${describe(instance)}`);
      }
      return {
        ...options,
        name: `${describe(instance)}.${String(methodName)}`,
        // Looked up at call time, so a wrapper applied after @InboxHandler is the one called.
        handle: (context) => (instance as Record<string | symbol, (c: unknown) => Promise<void>>)[methodName]!(context),
      } satisfies InboxHandlerDefinition;
    });
}

function describe(instance: object): string {
  return (instance.constructor as { name?: string } | undefined)?.name || 'object';
}

interface StandardMethodContext {
  kind: string;
  name: string | symbol;
  static?: boolean;
  addInitializer(initializer: (this: unknown) => void): void;
}

function isStandardContext(value: unknown): value is StandardMethodContext {
  return typeof value === 'object' && value !== null && 'kind' in value && 'name' in value;
}

function defineReflectMetadata(method: object, options: InboxHandlerOptions): void {
  const reflect = Reflect as unknown as { defineMetadata?(key: unknown, value: unknown, target: object): void };
  reflect.defineMetadata?.(INBOX_HANDLER_METADATA, options, method);
}
