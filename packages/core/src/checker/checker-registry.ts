import { CheckerFailedError, CheckerUnavailableError, DuplicateCheckerError, InvalidConfigError } from '../errors.js';
import { thrownFacts } from '../describe-error.js';
import { isLocalTransactionState, type LocalTransactionState } from '../half/local-transaction-state.js';
import type { CheckerResolver, HalfMessageView, CheckerFunction } from './checker-types.js';

/**
 * Checkers of this process, by producer group. It is a `CheckerResolver`, so an in-process check
 * service or the HTTP handler (sidecar mode) can ask it directly.
 */
export class CheckerRegistry implements CheckerResolver {
  private readonly checkers = new Map<string, CheckerFunction>();

  /** Registers `checker` for `producerGroup`; returns the function that unregisters it. */
  register(producerGroup: string, checker: CheckerFunction, options: { replace?: boolean } = {}): () => void {
    if (typeof producerGroup !== 'string' || producerGroup.length === 0) {
      throw new InvalidConfigError('producerGroup', 'a checker needs the producer group it answers for');
    }
    if (typeof checker !== 'function') throw new InvalidConfigError('checker', `must be a function, got ${typeof checker}`);
    if (this.checkers.has(producerGroup) && !options.replace) throw new DuplicateCheckerError(producerGroup);
    this.checkers.set(producerGroup, checker);
    return () => {
      if (this.checkers.get(producerGroup) === checker) this.checkers.delete(producerGroup);
    };
  }

  get(producerGroup: string): CheckerFunction | undefined {
    return this.checkers.get(producerGroup);
  }

  has(producerGroup: string): boolean {
    return this.checkers.has(producerGroup);
  }

  groups(): string[] {
    return [...this.checkers.keys()];
  }

  async check(message: HalfMessageView): Promise<LocalTransactionState> {
    const checker = this.checkers.get(message.producerGroup);
    if (!checker) throw new CheckerUnavailableError(message.producerGroup, 'no checker is registered for it in this process');
    let answer: unknown;
    try {
      answer = await checker(message);
    } catch (error) {
      const detail = thrownFacts(error).message; // never throws, whatever the checker threw
      throw new CheckerFailedError(message.producerGroup, detail, { cause: error, messageId: message.id });
    }
    if (!isLocalTransactionState(answer)) {
      throw new CheckerFailedError(
        message.producerGroup,
        `answered ${JSON.stringify(answer)}; a checker must return COMMIT, ROLLBACK or UNKNOWN`,
        { messageId: message.id },
      );
    }
    return answer;
  }
}

const DEFAULT_KEY = Symbol.for('outboxkit.default-checker-registry.v1');

/** The registry `registerChecker`, `registerCheckers` and the in-process check service use by default. */
export function defaultCheckerRegistry(): CheckerRegistry {
  const holder = globalThis as unknown as Record<symbol, CheckerRegistry | undefined>;
  let registry = holder[DEFAULT_KEY];
  if (!registry) {
    registry = new CheckerRegistry();
    holder[DEFAULT_KEY] = registry;
  }
  return registry;
}

/** Plain-function form: registers a checker for a producer group; returns the unregister function. */
export function registerChecker(
  producerGroup: string,
  checker: CheckerFunction,
  options: { registry?: CheckerRegistry; replace?: boolean } = {},
): () => void {
  const registry = options.registry ?? defaultCheckerRegistry();
  return registry.register(producerGroup, checker, options.replace === undefined ? {} : { replace: options.replace });
}
