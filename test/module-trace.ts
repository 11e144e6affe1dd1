/**
 * A `--import` preload that appends every module a Node process loads to a file, one per line:
 * ES modules as the resolve hook sees their URL and, with `cjs`, CommonJS files as `cjs:<path>`
 * (module.register hooks do not see `require` on Node 20). Used by the bundle test and by
 * `bench/startup.js --trace`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Writes the hook files into `dir`; returns the preload's file URL (for `--import`). */
export function moduleTracePreload(dir: string, log: string, options: { cjs?: boolean } = {}): string {
  const hooks = join(dir, 'trace-hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}
`,
  );
  const register = join(dir, 'trace-register.mjs');
  const cjs = `import { createRequire } from 'node:module';
const Module = createRequire(import.meta.url)('node:module');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  try { appendFileSync(${JSON.stringify(log)}, 'cjs:' + Module._resolveFilename(request, parent, isMain) + '\\n'); } catch {}
  return load.apply(this, arguments);
};
`;
  writeFileSync(
    register,
    `import { register } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(pathToFileURL(hooks).href)});
${options.cjs ? cjs : ''}`,
  );
  return pathToFileURL(register).href;
}
