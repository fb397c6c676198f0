import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import type { SqlExecutor, SqlStatement } from '../ports.js';
import type { DueHalfRow } from '../sql/claim-due-half-messages.js';
import { CheckerRegistry } from './checker-registry.js';
import { HalfCheckService } from './half-check-service.js';

const row = (overrides: Partial<DueHalfRow> = {}): DueHalfRow => ({
  id: '0190a6f2-0000-7000-8000-000000000001',
  topic: 't',
  key: null,
  payload_json: '{"n":1}',
  payload_bytes: null,
  type: null,
  headers_json: '{}',
  producer_group: 'g',
  transaction_id: 'tx',
  check_count: 0,
  marker_check: false,
  created_at: new Date(),
  ...overrides,
});

/** Hands out the given rows on the first claim and records every other statement. */
function fakeExecutor(rows: DueHalfRow[], markerFound = false) {
  const statements: SqlStatement[] = [];
  let claimed = false;
  const executor: SqlExecutor = {
    async query<Row>(statement: SqlStatement): Promise<Row[]> {
      if (statement.text.includes('WITH due AS')) {
        if (claimed) return [];
        claimed = true;
        return rows as Row[];
      }
      statements.push(statement);
      if (statement.text.includes('SET check_count')) return [{ check_count: 1 }] as Row[];
      if (statement.text.startsWith('SELECT 1 AS found')) return (markerFound ? [{ found: 1 }] : []) as Row[];
      if (statement.text.includes('RETURNING')) return [{ id: statement.values[0] }] as Row[];
      return [];
    },
    async execute(statement: SqlStatement): Promise<number> {
      statements.push(statement);
      return 1;
    },
  };
  return { executor, statements };
}

const options = { logger: silentLogger, maxChecks: 2, checkIntervalMs: 1000, checkTimeoutMs: 50 };

describe('HalfCheckService', () => {
  it('applies the checker\'s COMMIT and hands it the decoded message', async () => {
    const registry = new CheckerRegistry();
    const seen: unknown[] = [];
    registry.register('g', (m) => (seen.push(m.value), 'COMMIT'));
    const { executor, statements } = fakeExecutor([row()]);
    const service = new HalfCheckService({ ...options, executor, checker: registry });
    expect(await service.checkOnce()).toBe(1);
    expect(seen).toEqual([{ n: 1 }]);
    expect(statements[0]!.text).toContain("SET status = 'READY'");
    expect(service.stats).toMatchObject({ checks: { COMMIT: 1 }, resolved: { COMMIT: 1, ROLLBACK: 0 } });
  });

  it('counts a hung checker as a failed check and parks on the last one', async () => {
    const registry = new CheckerRegistry();
    registry.register('g', () => new Promise(() => {}));
    const { executor, statements } = fakeExecutor([row({ check_count: 1 })]);
    const service = new HalfCheckService({ ...options, executor, checker: registry });
    const parked: unknown[] = [];
    service.events.on('half:parked', (e) => parked.push(e));
    await service.checkOnce();
    const defer = statements[0]!;
    expect(defer.text).toContain('SET check_count = check_count + $3::int');
    expect(defer.values.slice(1, 5)).toEqual([1, 1, 1000, true]);
    expect(defer.values[5]).toMatch(/parked after 2 of 2 checks; last: the checker failed: .*no answer within checkTimeoutMs/);
    expect(parked).toHaveLength(1);
    expect(service.stats.checks.ERROR).toBe(1);
  });

  it('does not count a check that reaches no checker', async () => {
    const { executor, statements } = fakeExecutor([row({ producer_group: 'nobody', check_count: 1 })]);
    const service = new HalfCheckService({ ...options, executor, checker: new CheckerRegistry() });
    await service.checkOnce();
    expect(statements[0]!.values.slice(1, 5)).toEqual([1, 0, 1000, false]);
    expect(service.stats.checks.UNREACHABLE).toBe(1);
  });

  it('checks marker rows by their marker, asking no checker', async () => {
    const registry = new CheckerRegistry();
    registry.register('g', () => {
      throw new Error('must not be asked');
    });
    const found = fakeExecutor([row({ marker_check: true })], true);
    await new HalfCheckService({ ...options, executor: found.executor, checker: registry }).checkOnce();
    expect(found.statements.map((s) => s.text.slice(0, 20))).toEqual(['SELECT 1 AS found FR', expect.stringContaining('WITH target')]);

    const missing = fakeExecutor([row({ marker_check: true })], false);
    const service = new HalfCheckService({ ...options, executor: missing.executor, checker: registry });
    await service.checkOnce();
    expect(missing.statements[1]!.text).toContain('WITH fence AS (INSERT INTO');
    expect(service.stats).toMatchObject({ markerChecks: 1, checks: { ROLLBACK: 1 }, resolved: { ROLLBACK: 1 } });
  });

  it('records nothing for a marker row the fence finds decided meanwhile', async () => {
    const statements: SqlStatement[] = [];
    let claimed = false;
    const executor: SqlExecutor = {
      async query<Row>(statement: SqlStatement): Promise<Row[]> {
        if (statement.text.includes('WITH due AS')) {
          if (claimed) return [];
          claimed = true;
          return [row({ marker_check: true })] as Row[];
        }
        statements.push(statement);
        return []; // no marker, and the fence updates no HALF row
      },
      async execute(): Promise<number> {
        return 0;
      },
    };
    const service = new HalfCheckService({ ...options, executor, checker: new CheckerRegistry() });
    const checked: unknown[] = [];
    service.events.on('half:checked', (e) => checked.push(e));
    await service.checkOnce();
    expect(statements.map((s) => s.text.slice(0, 20))).toEqual(['SELECT 1 AS found FR', 'WITH fence AS (INSER', 'SELECT 1 AS found FR']);
    expect(checked).toEqual([]);
    expect(service.stats).toMatchObject({ markerChecks: 1, checks: { COMMIT: 0, ROLLBACK: 0 }, resolved: { COMMIT: 0, ROLLBACK: 0 } });
  });

  it('runs its passes and age gauge while started, counts a failed pass, and stops', async () => {
    let claims = 0;
    let fail = true;
    const executor: SqlExecutor = {
      async query<Row>(statement: SqlStatement): Promise<Row[]> {
        if (statement.text.includes('WITH due AS')) {
          claims += 1;
          if (fail) {
            fail = false;
            throw new Error('database down');
          }
          return [];
        }
        return [{ total: 0, parked: 0, oldest_age_ms: 0, le_counts: [] }] as Row[];
      },
      async execute(): Promise<number> {
        return 0;
      },
    };
    const service = new HalfCheckService({ ...options, executor, checker: new CheckerRegistry(), pollIntervalMs: 5, backoff: () => 1 });
    const errors: unknown[] = [];
    service.events.on('half:check-error', (e) => errors.push(e));
    service.start();
    expect(service.isRunning).toBe(true);
    const deadline = Date.now() + 10_000;
    while (!(service.stats.passes >= 2 && service.stats.ages)) {
      if (Date.now() > deadline) throw new Error('timed out waiting for passes and an age snapshot');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await service.stop();
    expect(service.isRunning).toBe(false);
    expect(service.stats.failures).toBe(1);
    expect(errors).toEqual([{ error: new Error('database down'), consecutiveFailures: 1 }]);
    const after = claims;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(claims).toBe(after);
  });
});
