// Builds one package from its sources into its two outputs:
//   dist/      ES modules (tsconfig.build.json) — what `import` loads, and the bins run;
//   dist/cjs/  CommonJS (tsconfig.cjs.json), with a package.json {"type":"commonjs"} so Node
//              and TypeScript read those .js and .d.ts files as CommonJS — what `require` loads
//              (a tsc CommonJS build, Nest CLI apps, Jest without a transform).
// Why both instead of require(esm): docs/adopting.md, "CommonJS, ESM and Jest".
// Outputs whose source file is gone are removed, so a tarball never ships a stale module.
//
// CLI: node scripts/build-package.mjs <package dir>   (default: the current directory)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function tsc(packageDir, tsconfig) {
  const result = spawnSync(process.execPath, [TSC, '-p', path.join(packageDir, tsconfig)], { cwd: packageDir, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`tsc -p ${path.join(packageDir, tsconfig)} failed with ${result.status ?? result.signal}`);
}

/** `dist/a/b.js`, `.d.ts`, `.js.map`, `.d.ts.map` → `src/a/b.ts`. */
function sourceOf(outDir, srcDir, file) {
  const relative = path.relative(outDir, file).replace(/(\.d)?\.ts\.map$|\.js\.map$|\.d\.ts$|\.js$/, '');
  return path.join(srcDir, `${relative}.ts`);
}

function pruneStale(outDir, srcDir, skip) {
  if (!existsSync(outDir)) return;
  for (const entry of readdirSync(outDir)) {
    const file = path.join(outDir, entry);
    if (skip.has(file)) continue;
    if (statSync(file).isDirectory()) {
      pruneStale(file, path.join(srcDir, entry), skip);
      if (readdirSync(file).length === 0) rmSync(file, { recursive: true });
    } else if (/\.(js|d\.ts|js\.map|d\.ts\.map)$/.test(entry) && !existsSync(sourceOf(outDir, srcDir, file))) {
      rmSync(file);
    }
  }
}

export function buildPackage(packageDir) {
  const dist = path.join(packageDir, 'dist');
  const cjs = path.join(dist, 'cjs');
  tsc(packageDir, 'tsconfig.build.json');
  tsc(packageDir, 'tsconfig.cjs.json');
  mkdirSync(cjs, { recursive: true });
  writeFileSync(path.join(cjs, 'package.json'), '{\n  "type": "commonjs"\n}\n');
  const src = path.join(packageDir, 'src');
  pruneStale(dist, src, new Set([cjs]));
  pruneStale(cjs, src, new Set([path.join(cjs, 'package.json')]));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildPackage(path.resolve(process.argv[2] ?? process.cwd()));
}
