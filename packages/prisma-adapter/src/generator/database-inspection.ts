/**
 * What `prisma init --check` found a live database to lack. A module of its own: the dialects
 * (generator-dialect.ts) and their inspectors (postgres-inspector.ts) both speak of it, and
 * neither may import the other for it.
 */
export interface DatabaseInspection {
  /** What the database lacks, one readable line per problem. */
  problems: string[];
}
