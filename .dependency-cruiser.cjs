// The import rules of this repository, checked by dependency-cruiser in `npm test`
// (test/integration/dependency-rules.test.ts; by hand: `npx depcruise --config .dependency-cruiser.cjs
// packages examples bench test scripts`).
//
// - No import cycles, type-only imports included: a cycle of types still ties the modules together
//   (one cannot be read, moved or tested without the other).
// - packages/core knows no database, broker or framework: no @prisma/*, kafkajs, pg or @nestjs/*.
// - The adapters stand side by side: prisma-adapter, kafka-relay and nestjs never import one
//   another from their sources. Their tests may use a sibling, as a declared devDependency.
// - A workspace package imports only what its package.json declares: its sources what
//   dependencies/peerDependencies hold, its tests (test/, *.spec.ts) devDependencies too. The
//   workspace packages' rules are made from their package.json files below, so a package added or a
//   dependency declared needs no change here.
// - Test support (test/support, the private package @outboxkit/test-support) is for tests only: a
//   package's tests reach it by name, declared in devDependencies; no source, example, script or
//   benchmark imports it.
// - @outboxkit/core/internal (no stability promise) is for the sibling packages, this repository's
//   tests and tools; the examples, which show an application, use the public entry points only.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = __dirname;
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** Every workspace package: its folder (relative, with /) and its package.json. */
function workspacePackages() {
  const folders = ['packages', 'examples'].flatMap((parent) =>
    fs.existsSync(path.join(ROOT, parent))
      ? fs.readdirSync(path.join(ROOT, parent)).map((name) => `${parent}/${name}`)
      : [],
  );
  folders.push('bench');
  return folders
    .filter((dir) => fs.existsSync(path.join(ROOT, dir, 'package.json')))
    .map((dir) => ({ dir, manifest: readJson(path.join(ROOT, dir, 'package.json')) }));
}

const PACKAGES = workspacePackages();

/**
 * The tests' helpers, a workspace package of its own (see its package.json): a sibling the other
 * packages must declare to import, but no package of the product, so the package rules below
 * judge imports of it, not its own imports (it reaches @outboxkit/* as the root's tests do).
 */
const TEST_SUPPORT_DIR = 'test/support';
const TEST_SUPPORT = fs.existsSync(path.join(ROOT, TEST_SUPPORT_DIR, 'package.json'))
  ? [{ dir: TEST_SUPPORT_DIR, manifest: readJson(path.join(ROOT, TEST_SUPPORT_DIR, 'package.json')) }]
  : [];

/**
 * What an import of workspace package `pkg` resolves to: its folder (through the tsconfig paths or
 * the workspace link, src/ or dist/), or — when dist/ is not built and no path maps it — the
 * specifier itself, left unresolved.
 */
const reaches = (pkg) => `^(${escape(pkg.dir)}/|${escape(pkg.manifest.name)}(/|$))`;
/** An npm package, resolved into node_modules (pnpm's .pnpm store included) or left unresolved. */
const npm = (names) => `(^|/)node_modules/(${names.join('|')})/|^(${names.join('|')})(/|$)`;

/** Test code of a workspace package: its test/ folder, *.spec.ts and *.test.ts files. */
const testCode = (dir) => `^${escape(dir)}/(test/|.*\\.(spec|test)\\.[cm]?[jt]s$)`;

/** What the root package.json holds for the whole workspace: the test runner and the compiler. */
const WORKSPACE_TOOLS = ['vitest', 'typescript', 'tsx'];
/** The dependency types of an npm import that the closest package.json declares. */
const DECLARED_TYPES = ['npm', 'npm-dev', 'npm-peer', 'npm-optional', 'npm-bundled'];

const declared = (manifest, ...fields) => new Set(fields.flatMap((field) => Object.keys(manifest[field] ?? {})));

/** One rule per workspace package: the siblings it does not declare (sources, then tests). */
function declaredWorkspaceRules() {
  const rules = [];
  for (const { dir, manifest } of PACKAGES) {
    const runtime = declared(manifest, 'dependencies', 'peerDependencies', 'optionalDependencies');
    const all = declared(manifest, 'dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies');
    const siblings = [...PACKAGES, ...TEST_SUPPORT].filter((other) => other.dir !== dir);
    const undeclaredAtRuntime = siblings.filter((other) => !runtime.has(other.manifest.name));
    const undeclared = siblings.filter((other) => !all.has(other.manifest.name));
    if (undeclaredAtRuntime.length > 0) {
      rules.push({
        name: `declared-workspace-deps:${manifest.name}`,
        comment: `${dir}'s sources import only the workspace packages its package.json has in dependencies or peerDependencies`,
        severity: 'error',
        from: { path: `^${escape(dir)}/`, pathNot: testCode(dir) },
        to: { path: undeclaredAtRuntime.map(reaches).join('|') },
      });
    }
    if (undeclared.length > 0) {
      rules.push({
        name: `declared-workspace-test-deps:${manifest.name}`,
        comment: `${dir}'s tests import only the workspace packages its package.json declares (devDependencies included)`,
        severity: 'error',
        from: { path: testCode(dir) },
        to: { path: undeclared.map(reaches).join('|') },
      });
    }
  }
  return rules;
}

const byName = (name) => PACKAGES.find((p) => p.manifest.name === name);
const ADAPTERS = ['@outboxkit/prisma-adapter', '@outboxkit/kafka-relay', '@outboxkit/nestjs'].map(byName).filter(Boolean);

/** Sources of one adapter never import another adapter, declared or not. */
function adapterRules() {
  return ADAPTERS.map((adapter) => {
    const others = ADAPTERS.filter((other) => other !== adapter);
    return {
      name: `adapters-apart:${adapter.manifest.name}`,
      comment: `${adapter.dir}'s sources import no other adapter (${others.map((o) => o.manifest.name).join(', ')}): each stands on @outboxkit/core alone`,
      severity: 'error',
      from: { path: `^${escape(adapter.dir)}/`, pathNot: testCode(adapter.dir) },
      to: { path: others.map(reaches).join('|') },
    };
  });
}

/** A package's ./internal entry (no stability promise), as src/ or dist/ file or as an unresolved specifier. */
const INTERNAL_ENTRIES = '^(packages/[^/]+/(src|dist|dist/cjs)/internal\\.(ts|js|d\\.ts)$|@outboxkit/[^/]+/internal$)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only imports included: move what both sides need to a module of its own',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-knows-no-infrastructure',
      comment: 'packages/core imports no database driver, ORM, broker client or framework (and no other workspace package)',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: {
        path: [npm(['@prisma/[^/]+', 'prisma', 'kafkajs', 'pg', 'pg-[^/]+', '@nestjs/[^/]+']), ...PACKAGES.filter((p) => p.dir !== 'packages/core').map(reaches)].join('|'),
      },
    },
    ...adapterRules(),
    ...declaredWorkspaceRules(),
    {
      name: 'examples-use-public-entry-points',
      comment: 'The examples show an application: they import @outboxkit/* entry points, never an ./internal one',
      severity: 'error',
      from: { path: '^examples/' },
      to: { path: INTERNAL_ENTRIES },
    },
    ...TEST_SUPPORT.map((support) => ({
      name: 'test-support-only-in-tests',
      comment: `${support.dir} (${support.manifest.name}) is imported by test code only: a test/ folder, *.spec.ts or *.test.ts`,
      severity: 'error',
      from: { pathNot: '(^|/)test/|\\.(spec|test)\\.[cm]?[jt]s$' },
      to: { path: reaches(support) },
    })),
    {
      name: 'no-deep-imports-across-packages',
      comment: "A package's sources reach another workspace package through its name (@outboxkit/...), not a relative path into its files",
      severity: 'error',
      // Tests may: the child processes of kafka-relay's tests run the Prisma adapter's sources under tsx.
      from: { path: '^(packages|examples)/([^/]+)/', pathNot: '/test/|\\.(spec|test)\\.ts$' },
      // Through a name, the tsconfig paths or the workspace link resolve it (an "aliased" import).
      to: { path: '^(packages|examples|bench)/', pathNot: '^$1/$2/', dependencyTypes: ['local'], dependencyTypesNot: ['aliased', 'aliased-tsconfig', 'aliased-workspace'] },
    },
    {
      name: 'npm-declared',
      comment: 'An npm package is imported only where the closest package.json declares it',
      severity: 'error',
      from: {},
      to: {
        dependencyTypes: ['npm-no-pkg', 'npm-unknown'],
        dependencyTypesNot: DECLARED_TYPES,
        // The workspace's test runner and compiler live in the root package.json, for every package.
        pathNot: npm(WORKSPACE_TOOLS),
      },
    },
    {
      name: 'npm-runtime-not-dev',
      comment: "A package's sources do not import what it has only in devDependencies (its users would not have it)",
      severity: 'error',
      from: { path: '^packages/[^/]+/src/', pathNot: '\\.spec\\.ts$' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['npm', 'npm-peer', 'npm-optional', 'type-only'] },
    },
    {
      name: 'resolvable',
      comment: 'Every import resolves (a typo, or a package not installed)',
      severity: 'error',
      from: {},
      // A generated Prisma client is made by the test that imports it.
      to: { couldNotResolve: true, pathNot: '^@outboxkit/|(^|/)generated/' },
    },
  ],
  options: {
    // npm packages, build output and generated Prisma clients are where an import ends: kept as
    // the target of the edges that reach them (which the rules judge), not cruised themselves.
    doNotFollow: { path: ['(^|/)node_modules/', '(^|/)(dist|generated)/'] },
    // Caches, and the packaging test's user project (a fresh install of its own, outside the workspace).
    exclude: { path: ['^\\.cache/', '(^|/)coverage/', '^test/integration/packaging/fixtures/'] },
    tsPreCompilationDeps: true,
    // The root tsconfig maps @outboxkit/* to the packages' sources, as vitest does.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
    skipAnalysisNotInRules: true,
  },
};
