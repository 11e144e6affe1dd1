/**
 * Test fixtures around the example skills: tsc compiles examples/<x>/*.ts into the build folder
 * but not their skill.json, so this copies the manifests next to the compiled code and links
 * the chosen examples into a fresh `skills.dir`.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { Writable } from 'node:stream';

/** The build folder (dist-*) this test runs from, and the repository root above it. */
export const buildRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const repoRoot = dirname(buildRoot);

/** Compiled example folder with its manifest copied in. */
export function compiledExample(name: string): string {
  const src = join(repoRoot, 'examples', name);
  const out = join(buildRoot, 'examples', name);
  for (const f of readdirSync(src)) if (/^skill\.(json|ya?ml)$/.test(f)) cpSync(join(src, f), join(out, f));
  if (!existsSync(out)) throw new Error(`example ${name} is not compiled`);
  return out;
}

/** A temporary skills.dir holding links to the given examples. */
export function staticDirWith(...examples: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-skills-'));
  for (const e of examples) symlinkSync(compiledExample(e), join(dir, e));
  return dir;
}

export function tempDir(prefix = 'hearth-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A pino logger that keeps its JSON lines for assertions. */
export function memoryLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}
