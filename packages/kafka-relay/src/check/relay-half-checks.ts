import {
  HalfCheckService,
  type CheckerResolver,
  type HalfCheckOptions,
  type Logger,
  type SqlExecutor,
  type TableNamesOptions,
} from '@outboxkit/core';

/** The Relay's `halfMessages` option: the back-check's settings and where its checkers are. */
export interface RelayHalfMessageOptions extends Omit<HalfCheckOptions, 'tables'> {
  /**
   * Where the checkers are: an `HttpCheckerClient` (sidecar mode) or a `CheckerRegistry`.
   * Default: the default CheckerRegistry of this process (checkers registered with
   * `registerChecker` / `registerCheckers` when the relay runs inside the application).
   * Messages written in `database` mode are checked by their marker and need none.
   */
  checker?: CheckerResolver;
}

/**
 * The check service a Relay runs beside its publishing loop — on by default (a relay that never
 * checks would leave undecided half messages HALF forever); `halfMessages: false` turns it off.
 * It shares the relay's pool and tables; its statements are single and short.
 */
export function createRelayHalfChecks(
  executor: SqlExecutor,
  options: { tables?: TableNamesOptions; halfMessages?: false | RelayHalfMessageOptions },
  logger: Logger,
): HalfCheckService | undefined {
  if (options.halfMessages === false) return undefined;
  const { checker, ...settings } = options.halfMessages ?? {};
  return new HalfCheckService({
    logger,
    ...settings,
    ...(options.tables ? { tables: options.tables } : {}),
    executor,
    ...(checker ? { checker } : {}),
  });
}
