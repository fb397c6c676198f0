import type { SqlExecutor, SqlStatement } from '@outboxkit/core/internal';

interface RawCapable {
  $executeRawUnsafe(query: string, ...values: any[]): PromiseLike<number>;
  $queryRawUnsafe(query: string, ...values: any[]): PromiseLike<unknown>;
}

/**
 * Runs outboxkit's SQL builders through Prisma. `$queryRawUnsafe` is safe here because the text
 * comes only from outboxkit's builders (identifiers validated at config time) and every value is
 * a bind parameter.
 */
export function prismaSqlExecutor(client: RawCapable): SqlExecutor {
  return {
    async query<Row>(statement: SqlStatement): Promise<Row[]> {
      return (await client.$queryRawUnsafe(statement.text, ...statement.values)) as Row[];
    },
    async execute(statement: SqlStatement): Promise<number> {
      return client.$executeRawUnsafe(statement.text, ...statement.values);
    },
  };
}
