/**
 * The Dockerfile, parsed with dockerfile-ast and linted with dockerfile-utils (no Docker engine
 * here): multi-stage build, Node LTS ≥ 24, non-root runtime, health check on /healthz, the same
 * entry command as the tests, and COPY sources that exist and are not excluded by .dockerignore.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type ImageTemplate, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { readRepoFile, repoRoot } from './repo-paths.js';

const text = readRepoFile('Dockerfile');
const dockerfile = DockerfileParser.parse(text);
const stages = dockerfile
  .getFROMs()
  .map((from) => ({ from, stage: dockerfile.getContainingImage(from.getRange().start) as ImageTemplate }));
const final = stages[stages.length - 1];

const ofKeyword = (image: ImageTemplate, keyword: string): Instruction[] =>
  image.getInstructions().filter((i) => i.getKeyword() === keyword);
const runText = (image: ImageTemplate): string =>
  ofKeyword(image, 'RUN')
    .map((i) => i.getRawArgumentsContent() ?? '')
    .join('\n');
const jsonArgs = (i: Instruction): string[] => JSON.parse(i.getRawArgumentsContent() ?? 'null') as string[];

/** Default values of the ARGs declared before the first FROM. */
function initialArgs(): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const p = arg.getProperty();
    if (p?.getName()) out.set(p.getName(), p.getValue() ?? '');
  }
  return out;
}

test('the Dockerfile lints clean', () => {
  const problems = validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
  assert.deepEqual(problems, []);
});

test('multi-stage: a build stage with dev dependencies and a runtime stage on Node LTS ≥ 24', () => {
  assert.ok(stages.length >= 2, 'at least two stages');
  const args = initialArgs();
  for (const { from } of stages) {
    const image = (from.getImage() ?? '').replace(/^\$\{?(\w+)\}?$/, (_m, name: string) => args.get(name) ?? '');
    const m = /^(?:docker\.io\/(?:library\/)?)?node:(\d+)/.exec(image);
    assert.ok(m, `FROM ${from.getImage()} resolves to an official node image (got ${image})`);
    const major = Number(m[1]);
    assert.ok(major >= 24 && major % 2 === 0, `Node ${major} is an LTS line ≥ 24`);
  }
  const build = stages.find((s) => s.from.getBuildStage() === 'build');
  assert.ok(build, 'a stage named build');
  const run = runText(build.stage);
  assert.match(run, /npm ci\b/);
  assert.match(run, /npm run build/);
  assert.match(run, /npm prune --omit=dev/);
  assert.match(run, /python3/);
  assert.match(run, /\bmake\b/);
  assert.match(run, /g\+\+/);
  // node-llama-cpp stays out unless asked for.
  const localModels = ofKeyword(build.stage, 'ARG').find((a) =>
    /WITH_LOCAL_MODELS/.test(a.getRawArgumentsContent() ?? ''),
  );
  assert.equal(localModels?.getRawArgumentsContent(), 'WITH_LOCAL_MODELS=false');
  assert.match(run, /npm ci --omit=optional/);
  // Runtime copies only the build's output and pruned dependencies from the build stage.
  for (const copy of final.stage.getCOPYs()) {
    const from = copy.getFromFlag()?.getValue();
    if (from)
      assert.ok(
        stages.some((s) => s.from.getBuildStage() === from),
        `COPY --from=${from} names a stage`,
      );
  }
});

test('the runtime stage: non-root, env, volume, port, health check, entry command', () => {
  const users = ofKeyword(final.stage, 'USER').map((u) => (u.getRawArgumentsContent() ?? '').split(':')[0]);
  const user = users[users.length - 1];
  assert.ok(user, 'the final stage sets USER');
  assert.ok(/^[1-9]\d*$/.test(user), `USER is a numeric non-root uid (Kubernetes runAsNonRoot can verify it): ${user}`);

  const env = new Map<string, string>();
  for (const e of final.stage.getENVs()) for (const p of e.getProperties()) env.set(p.getName(), p.getValue() ?? '');
  assert.equal(env.get('HEARTH_HOST'), '0.0.0.0');
  assert.equal(env.get('HEARTH_DATA_DIR'), '/data');
  assert.match(
    ofKeyword(final.stage, 'VOLUME')
      .map((v) => v.getRawArgumentsContent())
      .join(' '),
    /"\/data"|\s\/data\b|^\/data\b/,
  );
  assert.ok(
    ofKeyword(final.stage, 'EXPOSE').some((e) => /\b8080\b/.test(e.getRawArgumentsContent() ?? '')),
    'EXPOSE 8080',
  );

  const [health] = final.stage.getHEALTHCHECKs();
  assert.ok(health, 'HEALTHCHECK in the final stage');
  const probe = health.getRawArgumentsContent() ?? '';
  assert.match(probe, /CMD \["node", "-e"/, 'the health check runs node (slim images have no curl)');
  assert.match(probe, /\/healthz/);

  const [entrypoint] = final.stage.getENTRYPOINTs();
  const [cmd] = final.stage.getCMDs();
  assert.deepEqual(jsonArgs(entrypoint), ['node', 'bin/hearth.js']);
  assert.deepEqual(jsonArgs(cmd), ['start']);
  // bin/hearth.js loads dist/bundle/main.js (dist/src/cli/main.js with HEARTH_UNBUNDLED=1); the bundle's
  // modules keep their dist/src paths for import.meta.url, so the runtime stage copies both from the build.
  assert.match(readRepoFile('bin/hearth.js'), /\.\.\/dist\/src\/cli\/main\.js/);
  assert.match(readRepoFile('bin/hearth.js'), /\.\.\/dist\/bundle\/main\.js/);
  for (const dir of ['dist/src', 'dist/bundle'])
    assert.ok(
      final.stage.getCOPYs().some((c) => new RegExp(`/app/${dir}\\b`).test(c.getRawArgumentsContent() ?? '')),
      `runtime copies ${dir}`,
    );
  // The build stage runs the bundler, so it must be in the build context.
  assert.ok(
    dockerfile
      .getInstructions()
      .some((i) => /scripts\/bundle\.mjs/.test(i.getRawArgumentsContent() ?? '') && i.getKeyword() === 'COPY'),
    'the build stage copies scripts/bundle.mjs',
  );
});

test('every COPY from the build context exists and is not excluded by .dockerignore', () => {
  const ignored = readRepoFile('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const excluded = (path: string) =>
    ignored.some((pattern) => {
      const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + '(/|$)');
      return re.test(path);
    });
  let checked = 0;
  for (const { stage } of stages) {
    for (const copy of stage.getCOPYs()) {
      if (copy.getFromFlag()) continue;
      const args = copy
        .getArguments()
        .map((a) => a.getValue())
        .filter((a) => !a.startsWith('--'));
      for (const source of args.slice(0, -1)) {
        assert.ok(existsSync(join(repoRoot, source)), `COPY source ${source} exists`);
        assert.ok(!excluded(source), `COPY source ${source} is not excluded by .dockerignore`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 6, `checked ${checked} sources`);
});
