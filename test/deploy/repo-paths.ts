/**
 * Where the deploy tests find the repository and the compiled CLI. Tests run from a compiled tree
 * (`dist/test/deploy/…` or `dist-<name>/test/deploy/…`); the repository root is three levels up and
 * the CLI of the same build is `<tree>/src/cli/main.js` — what `bin/hearth.js` loads from `dist/`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const cliMain = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Reads a repository file as text. */
export const readRepoFile = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

/** Every environment variable name that appears in Hearth's TypeScript sources (src/). */
export function envNamesInSources(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts'))
        for (const m of readFileSync(p, 'utf8').matchAll(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g)) names.add(m[0]);
    }
  };
  walk(join(repoRoot, 'src'));
  return names;
}

/** Variables the runtime (not Hearth's code) reads: time zone and Node's own. */
export const platformEnvNames = new Set(['TZ', 'NODE_ENV', 'NODE_OPTIONS']);
