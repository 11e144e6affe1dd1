#!/usr/bin/env node
// The `hearth` command. The TypeScript sources compile to dist/ (`npm run build`, run by `npm install`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('hearth: dist/ is missing — run `npm run build` (or `npm install`) first.');
  process.exit(1);
}
await import(entry.href);
