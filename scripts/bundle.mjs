// Bundles the compiled command line (dist/src/main.js) into dist/bundle/, which bin/netguard runs: a few large files load faster than 300 small modules.
//
// Why: Node resolves, reads and compiles every ES module on its own; for a short run that was most of the
// process's CPU (a `--batch -r` of an 11-packet capture, pinned to one CPU: about 0.60 s from dist/src,
// 0.48 s from this bundle). The bundle is made from tsc's output, so it runs the code the tests and the
// bench run, and its source maps lead back through tsc's to src/*.ts.
//
// What stays as it was:
// - Dynamic imports (the modes, the menu, the dashboard, the web server, the sinks a run may not use)
//   become chunks loaded on first use (`splitting`), so what a run does not use it does not load.
// - Packages kept external, loaded from node_modules as before: those with a native addon or files found
//   beside their own code (better-sqlite3, node-notifier), and the large ones only the dashboard, the web
//   server and the Redis output load (ink, react, fastify, @fastify/websocket, ioredis).
// - The yaml package is not in it: src/config/yaml-package.ts loads it with require() from node_modules on
//   first use, which a start with plain settings and rules files never makes (esbuild does not follow
//   a require made by createRequire).
// - Files found through import.meta.url: every chunk sits in dist/bundle/, one level below the package's
//   root as dist/src/cli/ is two, and the lookups walk up (settings.yaml, rules.yaml, package.json, the
//   capture addon) or read beside the chunk (the web page's files: copied to dist/bundle/public/).
// - zod's messages: English only. zod re-exports all of its 40-odd translations as `z.locales`, which
//   NetGuard never uses; they were 0.36 of the 1.7 MB a batch run loads, and Node compiles what it loads
//   (tiny `--batch -r`, pinned, 7 pairs: 0.61 -> 0.56 CPU s). `z.locales` keeps `en`, the one zod sets
//   itself. Should zod move those files, nothing matches here and the bundle just holds them all again.
// dist/bundle/metafile.json says which modules each chunk holds (test/cli/lazy-loading.test.ts reads it).
//
// Usage: node scripts/bundle.mjs   (after tsc; scripts/setup.sh and `npm run build` run both)
import { build } from 'esbuild';
import { restoreBundleConsts } from './bundle-consts.mjs';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist/bundle');

/** Resolves zod's `../locales/index.js` (from zod/v4/classic/ and zod/v4/core/) to a module holding only `en`. */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (a) =>
      /[/\\]zod[/\\]v4[/\\](classic|core)[/\\]/.test(a.importer)
        ? { path: path.resolve(path.dirname(a.importer), '../locales/en.js'), namespace: 'zod-english-only' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (a) => ({
      contents: `export { default as en } from ${JSON.stringify(a.path)};`,
      resolveDir: root,
    }));
  },
};

rmSync(out, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/main.js'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
  plugins: [zodEnglishOnly],
  external: ['better-sqlite3', 'node-notifier', 'ink', 'react', 'fastify', '@fastify/websocket', 'ioredis'],
  // Bundled CommonJS packages (commander) call require(), which an ES module does not have.
  banner: { js: "import { createRequire as __netguardRequire } from 'node:module'; const require = __netguardRequire(import.meta.url);" },
});
// esbuild declares top-level constants with `var`; V8 folds only `const` (scripts/bundle-consts.mjs).
restoreBundleConsts(out, path.join(root, 'dist/src'));
writeFileSync(path.join(out, 'metafile.json'), JSON.stringify(result.metafile));
cpSync(path.join(root, 'src/web/public'), path.join(out, 'public'), { recursive: true });
