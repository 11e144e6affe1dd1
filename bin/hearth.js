#!/usr/bin/env node
// The `hearth` command. The TypeScript sources compile to dist/ (`npm run build`, run by `npm install`).
import { existsSync } from 'node:fs';
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
