// Rewrites the settings table of docs/sidecar.md from the sidecar's own table
// (packages/kafka-relay/src/cli/relay-env-variables.ts, read through tsx, so no build is needed):
//   npx tsx scripts/relay-env-docs.mjs
// Run it after adding or changing a variable; relay-env-coverage.spec.ts fails while the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
const { relayEnvMarkdown } = await import(new URL('packages/kafka-relay/src/cli/relay-env-variables.ts', root).href);
const path = fileURLToPath(new URL('docs/sidecar.md', root));
const docs = readFileSync(path, 'utf8');
const pattern = /(<!-- relay-env-table:start[^>]*-->\n)[\s\S]*?(<!-- relay-env-table:end -->)/;
if (!pattern.test(docs)) {
  console.error('relay-env-docs: docs/sidecar.md has no relay-env-table markers');
  process.exit(1);
}
writeFileSync(path, docs.replace(pattern, (_, start, end) => `${start}${relayEnvMarkdown()}\n${end}`));
console.log('relay-env-docs: docs/sidecar.md updated');
