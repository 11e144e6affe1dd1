#!/usr/bin/env node
// Regenerates the configuration reference in README.md from the zod schemas (run after `npm run build`):
//   node scripts/config-reference.mjs          rewrites README.md between the markers
//   node scripts/config-reference.mjs --check  exits 1 when README.md is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReference } from '../dist/src/cli/config-reference.js';

const file = new URL('../README.md', import.meta.url);
const readme = readFileSync(file, 'utf8');
const start = '<!-- config-reference:start -->';
const end = '<!-- config-reference:end -->';
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < 0) throw new Error('README.md lacks the config-reference markers');
const next = `${readme.slice(0, i + start.length)}\n${renderReference()}\n${readme.slice(j)}`;
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error('README.md configuration reference is out of date: run `npm run docs`');
    process.exit(1);
  }
} else {
  writeFileSync(file, next);
}
