import { InvalidConfigError } from '@outboxkit/core';
import type { Savepoints } from '@outboxkit/core/internal';

interface RawExecutor {
  $executeRawUnsafe(query: string, ...values: any[]): PromiseLike<number>;
}

/** What the core generates (`outboxkit_sp_<n>`); anything else is refused before it reaches SQL. */
const SAVEPOINT_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Savepoints on a Prisma interactive transaction, for propagation 'nested' (docs/guarantees.md
 * §4.8). A savepoint name is an identifier and cannot be a bind parameter, so it is checked
 * against a strict pattern and only then written into the statement.
 */
export function prismaSavepoints(tx: RawExecutor): Savepoints {
  const run = async (statement: string, name: string): Promise<void> => {
    if (typeof name !== 'string' || !SAVEPOINT_NAME.test(name)) {
      throw new InvalidConfigError('savepoint name', `must match ${SAVEPOINT_NAME.source}, got ${JSON.stringify(String(name)).slice(0, 80)}`);
    }
    await tx.$executeRawUnsafe(`${statement} ${name}`);
  };
  return {
    create: (name) => run('SAVEPOINT', name),
    rollbackTo: (name) => run('ROLLBACK TO SAVEPOINT', name),
    release: (name) => run('RELEASE SAVEPOINT', name),
  };
}
