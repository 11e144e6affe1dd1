#!/usr/bin/env node
// The `hearth` command. The TypeScript sources compile to dist/ (`npm run build`, run by `npm install`).
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
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
// V8's heap growing factor (src/ops/v8-flags.ts): keeps the old space near what is live under load.
const { v8Flags } = await import(new URL('../dist/src/ops/v8-flags.js', import.meta.url).href);
try {
  const flags = v8Flags();
  if (flags) setFlagsFromString(flags);
} catch (err) {
  console.error(`hearth: ${err.message}`);
  process.exit(1);
}
await import(entry.href);
