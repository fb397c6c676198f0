/**
 * Shared plumbing for outboxkit's method decorators. They work under both decorator dialects:
 * TypeScript's legacy `experimentalDecorators` (NestJS) and TC39 standard decorators, and never
 * read emitted type metadata.
 */

import { DecoratorMisuseError } from '../errors.js';

type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

/** TC39 method decorator context (declared here so the core needs no lib typings for it). */
interface StandardMethodContext {
  kind: 'method';
  name: string | symbol;
  addInitializer?(initializer: () => void): void;
}

export type MethodDecorator = (
  target: unknown,
  contextOrKey: unknown,
  descriptor?: PropertyDescriptor,
) => any;

/**
 * Builds a decorator that replaces a method with `wrap(original)`. The wrapper keeps the
 * original's name and every reflect-metadata entry, so Nest route and Swagger metadata placed
 * under this decorator survive.
 */
export function createMethodDecorator(decoratorName: string, wrap: (original: AnyMethod, methodName: string) => AnyMethod): MethodDecorator {
  return (target: unknown, contextOrKey: unknown, descriptor?: PropertyDescriptor) => {
    if (isStandardContext(contextOrKey)) {
      if (contextOrKey.kind !== 'method' || typeof target !== 'function') {
        throw new DecoratorMisuseError(decoratorName, `a ${contextOrKey.kind} "${String(contextOrKey.name)}"`);
      }
      return finishWrapper(target as AnyMethod, wrap(target as AnyMethod, String(contextOrKey.name)));
    }
    if (!descriptor || typeof descriptor.value !== 'function') {
      const what = descriptor?.get || descriptor?.set ? 'an accessor' : contextOrKey === undefined ? 'a class' : 'a property';
      throw new DecoratorMisuseError(decoratorName, contextOrKey === undefined ? what : `${what} "${String(contextOrKey)}"`);
    }
    const original = descriptor.value as AnyMethod;
    descriptor.value = finishWrapper(original, wrap(original, String(contextOrKey)));
    return descriptor;
  };
}

function isStandardContext(value: unknown): value is StandardMethodContext {
  return typeof value === 'object' && value !== null && 'kind' in value && 'name' in value;
}

function finishWrapper(original: AnyMethod, wrapper: AnyMethod): AnyMethod {
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
  copyReflectMetadata(original, wrapper);
  return wrapper;
}

interface ReflectWithMetadata {
  getMetadataKeys?(target: object): unknown[];
  getMetadata?(key: unknown, target: object): unknown;
  defineMetadata?(key: unknown, value: unknown, target: object): void;
}

/** Copies reflect-metadata entries when the application has loaded reflect-metadata. */
export function copyReflectMetadata(from: object, to: object): void {
  const reflect = Reflect as unknown as ReflectWithMetadata;
  if (!reflect.getMetadataKeys || !reflect.getMetadata || !reflect.defineMetadata) return;
  for (const key of reflect.getMetadataKeys(from)) {
    reflect.defineMetadata(key, reflect.getMetadata(key, from), to);
  }
}
