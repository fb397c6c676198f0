import { InvalidConfigError, type Logger } from '@outboxkit/core';
import {
  HalfCheckService,
  type CheckerResolver,
  type HalfCheckOptions,
  type TableNamesOptions,
} from '@outboxkit/core/internal';
import pg from 'pg';
import { explainPgError, pgClientConfig, type PgConnectionSettings } from '../pg-connection.js';
import { pgExecutor, type PgErrorExplainer } from '../pg-transaction-runner.js';

/** The Relay's `halfMessages` option: the back-check's settings and where its checkers are. */
export interface RelayHalfMessageOptions extends Omit<HalfCheckOptions, 'tables'> {
  /**
   * Where the checkers are: an `HttpCheckerClient` (sidecar mode) or a `CheckerRegistry`.
   * Default: the default CheckerRegistry of this process (checkers registered with
   * `registerChecker` / `registerCheckers` when the relay runs inside the application).
   * Messages written in `database` mode are checked by their marker and need none.
   */
  checker?: CheckerResolver;
  /** Connections of the back-check's own pool. Default 2. */
  poolSize?: number;
}

/**
 * A HalfCheckService on a small pg pool of its own, ended when the service stops. Its own pool,
 * not the relay's: a marker check may wait (by design) for a local transaction still running, and
 * must never hold the connections the publishing loop and the lease heartbeats need.
 */
export class PgHalfCheckService extends HalfCheckService {
  private ended = false;

  constructor(
    private readonly pool: pg.Pool,
    explain: PgErrorExplainer,
    options: Omit<ConstructorParameters<typeof HalfCheckService>[0], 'executor'>,
  ) {
    super({ ...options, executor: pgExecutor(pool, explain) });
  }

  override async stop(): Promise<void> {
    await super.stop();
    if (this.ended) return;
    this.ended = true;
    await this.pool.end().catch((error: unknown) => this.settings.logger.warn('half-check pool end failed', { error }));
  }
}

/**
 * The check service a Relay runs beside its publishing loop — on by default (a relay that never
 * checks would leave undecided half messages HALF forever); `halfMessages: false` turns it off.
 */
export function createRelayHalfChecks(
  options: { databaseUrl?: string; tables?: TableNamesOptions; halfMessages?: false | RelayHalfMessageOptions },
  logger: Logger,
  /**
   * The relay's connect and query timeouts (its resolved settings). Passed in rather than read
   * from relay-settings.ts, which imports this module's option type.
   */
  timeouts: Pick<PgConnectionSettings, 'connectTimeoutMs' | 'queryTimeoutMs'>,
): PgHalfCheckService | undefined {
  if (options.halfMessages === false) return undefined;
  if (!options.databaseUrl) throw new InvalidConfigError('databaseUrl', 'is required (the PostgreSQL connection string)');
  const { checker, poolSize = 2, ...settings } = options.halfMessages ?? {};
  if (!Number.isInteger(poolSize) || poolSize <= 0) throw new InvalidConfigError('halfMessages.poolSize', `must be a positive integer, got ${String(poolSize)}`);
  const connection: PgConnectionSettings = {
    connectionString: options.databaseUrl,
    applicationName: 'outbox-relay half-checks',
    connectTimeoutMs: timeouts.connectTimeoutMs,
    queryTimeoutMs: timeouts.queryTimeoutMs,
  };
  const pool = new pg.Pool({ ...pgClientConfig(connection), max: poolSize });
  // A pool error (server restarted under an idle connection) must not crash the process.
  pool.on('error', (error) => logger.warn('idle half-check database connection failed', { error }));
  return new PgHalfCheckService(pool, (error) => explainPgError(error, connection), {
    logger,
    ...settings,
    ...(options.tables ? { tables: options.tables } : {}),
    ...(checker ? { checker } : {}),
  });
}
