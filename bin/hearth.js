#!/usr/bin/env node
// The `hearth` command. The TypeScript sources compile to dist/ (`npm run build`, run by `npm install`).
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// A small young generation keeps the idle footprint low (~10 MB less resident memory); the
// assistant's allocations are short-lived and small, so the extra scavenges cost little.
// HEARTH_SEMI_SPACE_MB overrides it (e.g. 16 for V8's default on a busy gateway).
setFlagsFromString(`--max-semi-space-size=${Number(process.env.HEARTH_SEMI_SPACE_MB) || 1}`);

// dist/bundle/main.js is the same CLI bundled by esbuild (scripts/bundle.mjs, run by the build): it starts in
// about half the time. HEARTH_UNBUNDLED=1 runs the compiled modules of dist/src one by one instead.
const bundled = new URL('../dist/bundle/main.js', import.meta.url);
const entry =
  process.env.HEARTH_UNBUNDLED !== '1' && existsSync(bundled)
    ? bundled
    : new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('hearth: dist/ is missing — run `npm run build` (or `npm install`) first.');
  process.exit(1);
}
await import(entry.href);
