// Prisma 7 CLI configuration: the schema, the migrations folder, and the database the
// migrate/introspection commands talk to.
// Reference: https://www.prisma.io/docs/orm/reference/prisma-config-reference
//
// The URL comes from DATABASE_URL, read directly rather than with prisma/config's env(), which
// throws when the variable is unset: `prisma generate` (scripts/prisma-generate.mjs) needs no
// database and must work without it. The fallback is the local development server.
//
// On this project's machines `prisma migrate` cannot run (its schema engine cannot be
// downloaded): scripts/migrate.mjs applies the same migrations with the same bookkeeping.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
  },
  datasource: {
    url: process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/outboxkit',
  },
});
