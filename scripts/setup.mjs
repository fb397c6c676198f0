// Brings a fresh clone (or a stale checkout) to a runnable state, so that `npm test`, `npm run demo`
// and `npm run bench` need nothing run before them:
//   1. installs the workspace with the pinned pnpm (through npx: corepack on Node 20 ships
//      signing keys too old to verify current pnpm releases),
//   2. generates the Prisma client offline (scripts/prisma-generate.mjs explains why offline),
//   3. builds the packages, ESM and CommonJS (the relay CLI and the examples run the built output).
// Each step is skipped when its inputs have not changed since it last ran.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP_DIR = path.join(ROOT, 'node_modules');
const PNPM = 'pnpm@10.34.8';
const PACKAGES = ['core', 'prisma-adapter', 'kafka-relay', 'nestjs'];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with ${result.status ?? result.signal}`);
  }
}

function hashFiles(files) {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file);
    hash.update(existsSync(file) ? readFileSync(file) : '');
  }
  return hash.digest('hex');
}

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((entry) => path.join(dir, String(entry)))
    .filter((file) => statSync(file).isFile())
    .sort();
}

/** What each step says before it starts: a long step must not look like a hang. */
const DOING = {
  install: `installing the workspace with ${PNPM.replace('@', ' ')} (first run ~1-2 min) …`,
  'prisma-generate': 'generating the Prisma client (offline) …',
  build: `building the packages (${PACKAGES.join(', ')}) …`,
};

function step(name, inputs, action) {
  const stamp = path.join(STAMP_DIR, `.outboxkit-${name}.stamp`);
  const digest = hashFiles(inputs());
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;
  process.stderr.write(`[setup] ${DOING[name] ?? `${name} …`}\n`);
  const started = Date.now();
  action();
  writeFileSync(stamp, hashFiles(inputs()));
  process.stderr.write(`[setup] ${name} done in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
}

const manifests = () => [
  path.join(ROOT, 'pnpm-lock.yaml'),
  path.join(ROOT, 'package.json'),
  ...readdirSync(path.join(ROOT, 'packages')).map((p) => path.join(ROOT, 'packages', p, 'package.json')),
  ...readdirSync(path.join(ROOT, 'examples')).map((p) => path.join(ROOT, 'examples', p, 'package.json')),
  path.join(ROOT, 'bench', 'package.json'),
  path.join(ROOT, 'test', 'support', 'package.json'),
  path.join(ROOT, 'pnpm-workspace.yaml'),
];

step('install', manifests, () => {
  run('npx', ['--yes', PNPM, 'install', '--frozen-lockfile'], {
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
});

step('prisma-generate', () => [path.join(ROOT, 'prisma', 'schema.prisma'), path.join(ROOT, 'prisma', 'generated', 'client', 'client.ts')], () => {
  run(process.execPath, [path.join(ROOT, 'scripts', 'prisma-generate.mjs')]);
});

// Each package's build (scripts/build-package.mjs): ESM in dist/, CommonJS in dist/cjs/.
const BUILD_CONFIGS = ['package.json', 'tsconfig.build.json', 'tsconfig.cjs.json'];
step(
  'build',
  () =>
    PACKAGES.flatMap((p) => [
      ...listFiles(path.join(ROOT, 'packages', p, 'src')),
      ...BUILD_CONFIGS.map((file) => path.join(ROOT, 'packages', p, file)),
      path.join(ROOT, 'tsconfig.base.json'),
      path.join(ROOT, 'scripts', 'build-package.mjs'),
      path.join(ROOT, 'packages', p, 'dist', 'index.js'),
      path.join(ROOT, 'packages', p, 'dist', 'cjs', 'index.js'),
    ]),
  () => {
    for (const name of PACKAGES) run(process.execPath, [path.join(ROOT, 'scripts', 'build-package.mjs'), path.join(ROOT, 'packages', name)]);
  },
);
