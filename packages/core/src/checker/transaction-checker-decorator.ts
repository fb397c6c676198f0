import { InvalidConfigError } from '../errors.js';
import type { MethodDecorator } from '../decorators/wrap-method.js';
import { defaultCheckerRegistry, type CheckerRegistry } from './checker-registry.js';
import type { CheckerFunction } from './checker-types.js';

/** reflect-metadata key set on a checker method (value `{ producerGroup }`), for framework discovery (NestJS). */
export const CHECKER_METADATA = 'outboxkit:transaction-checker';

/** Where the decorator records a class's checker methods: on the prototype (legacy) or the instance (TC39). */
const CHECKERS = Symbol.for('outboxkit.transaction-checkers.v1');

interface CheckerMark {
  method: string | symbol;
  producerGroup: string;
}

type Marked = { [CHECKERS]?: CheckerMark[] };

/**
 * Marks a method as the checker of a producer group (RocketMQ's `checkLocalTransaction`). The
 * method receives a `HalfMessageView` and returns COMMIT / ROLLBACK / UNKNOWN (or a promise of it).
 *
 * Decorating only records the mark; an instance's checkers are registered by
 * `registerCheckers(instance)` (called for you by framework integrations), so the method runs with
 * its instance as `this`, and a class can be constructed without registering anything.
 * Works under legacy (NestJS) and TC39 decorators.
 */
export function TransactionChecker(groupOrOptions: string | { producerGroup: string }): MethodDecorator {
  const producerGroup = typeof groupOrOptions === 'string' ? groupOrOptions : groupOrOptions?.producerGroup;
  if (typeof producerGroup !== 'string' || producerGroup.length === 0) {
    throw new InvalidConfigError('@TransactionChecker', 'needs the producer group, e.g. @TransactionChecker(\'payments\')');
  }
  return (target: unknown, contextOrKey: unknown, descriptor?: PropertyDescriptor) => {
    if (isStandardContext(contextOrKey)) {
      if (contextOrKey.kind !== 'method' || typeof target !== 'function') {
        throw new TypeError('@TransactionChecker() can only decorate methods');
      }
      defineMetadata(target, producerGroup);
      const mark = { method: contextOrKey.name, producerGroup };
      contextOrKey.addInitializer?.(function (this: unknown) {
        addMark(this as Marked, mark);
      });
      return undefined;
    }
    if (!descriptor || typeof descriptor.value !== 'function') {
      throw new TypeError('@TransactionChecker() can only decorate methods');
    }
    defineMetadata(descriptor.value as object, producerGroup);
    addMark(target as Marked, { method: contextOrKey as string | symbol, producerGroup });
    return descriptor;
  };
}

/** The checker methods of an instance, bound to it, with their producer groups. */
export function checkerMethodsOf(instance: object): Array<{ producerGroup: string; method: string | symbol; checker: CheckerFunction }> {
  const marks = new Map<string | symbol, CheckerMark>();
  // Own marks first (TC39: on the instance), then up the prototype chain (legacy); nearest wins.
  for (let at: object | null = instance; at && at !== Object.prototype; at = Object.getPrototypeOf(at)) {
    if (!Object.prototype.hasOwnProperty.call(at, CHECKERS)) continue;
    for (const mark of (at as Marked)[CHECKERS] ?? []) if (!marks.has(mark.method)) marks.set(mark.method, mark);
  }
  return [...marks.values()].map(({ method, producerGroup }) => {
    const fn = (instance as Record<string | symbol, unknown>)[method];
    if (typeof fn !== 'function') throw new InvalidConfigError('@TransactionChecker', `${String(method)} is not a method`);
    return { producerGroup, method, checker: (fn as CheckerFunction).bind(instance) };
  });
}

/**
 * Registers every `@TransactionChecker` method of `instance` (a NestJS provider or any object).
 * Returns the producer groups registered. Throws `DuplicateCheckerError` if a group already has one.
 */
export function registerCheckers(instance: object, options: { registry?: CheckerRegistry; replace?: boolean } = {}): string[] {
  const registry = options.registry ?? defaultCheckerRegistry();
  const found = checkerMethodsOf(instance);
  for (const { producerGroup, checker } of found) {
    registry.register(producerGroup, checker, options.replace === undefined ? {} : { replace: options.replace });
  }
  return found.map((f) => f.producerGroup);
}

function addMark(holder: Marked, mark: CheckerMark): void {
  if (!Object.prototype.hasOwnProperty.call(holder, CHECKERS)) {
    Object.defineProperty(holder, CHECKERS, { value: [], enumerable: false, configurable: true, writable: true });
  }
  const list = holder[CHECKERS]!;
  if (!list.some((m) => m.method === mark.method)) list.push(mark);
}

interface StandardMethodContext {
  kind: string;
  name: string | symbol;
  addInitializer?(initializer: (this: unknown) => void): void;
}

function isStandardContext(value: unknown): value is StandardMethodContext {
  return typeof value === 'object' && value !== null && 'kind' in value && 'name' in value;
}

function defineMetadata(method: object, producerGroup: string): void {
  const reflect = Reflect as unknown as { defineMetadata?(key: unknown, value: unknown, target: object): void };
  reflect.defineMetadata?.(CHECKER_METADATA, { producerGroup }, method);
}
