#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js) into dist/bundle/ with esbuild, so `hearth start`
// reads a few files instead of resolving, opening and compiling ~870 modules one by one (most of
// its start-up time; bench/README.md "Start-up"). The compiled files in dist/src stay: tests import
// them, worker threads and skill sandboxes run them, and the bundle's modules report their original
// location as import.meta.url (rewritten below), so every path a module computes from it — the
// web build, the sandbox preloads, the proto files — is the same as when it runs unbundled.
//
// Only the packages listed in BUNDLED (the ones `hearth start` loads with a default config) and
// what they require are bundled; everything else — native addons, packages that find their own
// files through __dirname (pino's worker transports), and the drivers and channel libraries that load
// on first use — stays an external import, loaded from node_modules exactly as in the tests.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const outdir = join(root, 'dist', 'bundle');
const srcRoot = join(root, 'dist', 'src') + sep;

/** Packages bundled when our code imports them (transitively: what they require is bundled too). */
const BUNDLED = new Set([
  'zod',
  'ajv',
  'ajv-formats',
  'yaml',
  'semver',
  'fastify',
  'fastify-plugin',
  '@fastify/fast-json-stringify-compiler',
  '@fastify/swagger',
  '@fastify/websocket',
  '@fastify/multipart',
  'prom-client',
  'commander',
  'croner',
  'stemmer',
  'ws',
]);

/** Never bundled, even when a bundled package requires them. */
const EXTERNAL = new Set([
  'better-sqlite3',
  'better-sqlite3-v13',
  'bindings',
  'pino',
  'pino-pretty',
  'thread-stream',
  'sonic-boom',
  '@elastic/ecs-pino-format',
  'bufferutil',
  'utf-8-validate',
]);

const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

const selectPackages = {
  name: 'hearth-select-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true };
      const name = packageName(args.path);
      const fromOurCode = args.importer.startsWith(srcRoot);
      if (EXTERNAL.has(name) || (fromOurCode && !BUNDLED.has(name))) return { path: args.path, external: true };
      return undefined; // bundled
    });
  },
};

/** The path of `file` relative to the bundle's folder, '/'-separated, as a JS string literal. */
const fromBundle = (file) => JSON.stringify(relative(outdir, file).split(sep).join('/'));

const keepModuleUrls = {
  name: 'hearth-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (args.path.startsWith(srcRoot)) {
        // Our ES modules: import.meta.url is the compiled file's own URL, as when unbundled.
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
        return {
          contents: text.replaceAll('import.meta.url', `new URL(${fromBundle(args.path)}, import.meta.url).href`),
          loader: 'js',
        };
      }
      // CommonJS packages that read their own files through __dirname / __filename (which an ES module
      // bundle does not define): the folder and file they were bundled from, relative to the bundle.
      if (!/\b__(dirname|filename)\b/.test(text)) return undefined;
      const contents = text
        .replace(/\b__dirname\b/g, `__hearthPath(${fromBundle(dirname(args.path))})`)
        .replace(/\b__filename\b/g, `__hearthPath(${fromBundle(args.path)})`);
      return { contents, loader: 'js' };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: join(root, 'dist', 'src', 'cli', 'main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  // CommonJS packages inside an ES module bundle call require() for Node's built-ins and for the
  // external packages: give them a real one.
  banner: {
    js: [
      "import { createRequire as __hearthCreateRequire } from 'node:module';",
      "import { fileURLToPath as __hearthFileURLToPath } from 'node:url';",
      'const require = __hearthCreateRequire(import.meta.url);',
      'const __hearthPath = (rel) => __hearthFileURLToPath(new URL(rel, import.meta.url));',
    ].join(' '),
  },
  plugins: [selectPackages, keepModuleUrls],
});
