/**
 * deploy/release.sh and deploy/rollback.sh, run for real with bash against fake `docker` and `helm`
 * programs on PATH that record their arguments and keep a list of local image tags.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repo-paths.js';

const fakeDocker = `#!/usr/bin/env bash
echo "docker $* HEARTH_VERSION=\${HEARTH_VERSION:-}" >> "$FAKE_LOG"
case "$1 \${2:-}" in
  "image ls") cat "$FAKE_TAGS"; echo latest ;;
  "image inspect") grep -qx "\${3#hearth:}" "$FAKE_TAGS" ;;
  "image rm") grep -vx "\${3#hearth:}" "$FAKE_TAGS" > "$FAKE_TAGS.new"; mv "$FAKE_TAGS.new" "$FAKE_TAGS" ;;
  build*) echo "\${3#hearth:}" >> "$FAKE_TAGS" ;;
esac
`;
const fakeHelm = `#!/usr/bin/env bash
echo "helm $*" >> "$FAKE_LOG"
if [ "$1" = history ]; then cat "$FAKE_HISTORY"; fi
`;

interface Sandbox {
  run(
    script: string,
    args: string[],
    env?: Record<string, string>,
  ): { status: number | null; stdout: string; stderr: string };
  log(): string;
  tags(): string[];
  envFile: string;
}

function withSandbox(tags: string[], body: (s: Sandbox) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-release-'));
  try {
    for (const [name, text] of [
      ['docker', fakeDocker],
      ['helm', fakeHelm],
    ]) {
      writeFileSync(join(dir, name), text);
      chmodSync(join(dir, name), 0o755);
    }
    writeFileSync(join(dir, 'tags'), tags.map((t) => t + '\n').join(''));
    writeFileSync(join(dir, 'log'), '');
    const envFile = join(dir, '.env');
    writeFileSync(envFile, 'POSTGRES_PASSWORD=x\nHEARTH_VERSION=0.3.0\n');
    writeFileSync(
      join(dir, 'history.json'),
      JSON.stringify(
        [1, 2, 3, 4].map((revision, i) => ({
          revision,
          status: 'superseded',
          chart: 'hearth-0.1.0',
          description: `hearth:0.${[1, 2, 3, 2][i]}.0`,
        })),
      ),
    );
    body({
      envFile,
      run: (script, args, env = {}) =>
        spawnSync('bash', [join(repoRoot, 'deploy', script), ...args], {
          encoding: 'utf8',
          env: {
            PATH: `${dir}:${process.env.PATH}`,
            FAKE_LOG: join(dir, 'log'),
            FAKE_TAGS: join(dir, 'tags'),
            FAKE_HISTORY: join(dir, 'history.json'),
            HEARTH_ENV_FILE: envFile,
            ...env,
          },
        }),
      log: () => readFileSync(join(dir, 'log'), 'utf8'),
      tags: () => readFileSync(join(dir, 'tags'), 'utf8').split('\n').filter(Boolean),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('rollback.sh <version> redeploys a kept release with compose and pins it in .env', () => {
  withSandbox(['0.1.0', '0.2.0', '0.3.0'], (s) => {
    const r = s.run('rollback.sh', ['0.2.0']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(s.log(), /^docker compose .*up -d --no-build --wait gateway engine HEARTH_VERSION=0\.2\.0$/m);
    assert.match(readFileSync(s.envFile, 'utf8'), /^HEARTH_VERSION=0\.2\.0$/m);
    assert.doesNotMatch(readFileSync(s.envFile, 'utf8'), /0\.3\.0/);
    assert.match(readFileSync(s.envFile, 'utf8'), /^POSTGRES_PASSWORD=x$/m, 'the rest of .env is kept');
  });
});

test('rollback.sh refuses a release that is not kept, and a non-version, without touching anything', () => {
  withSandbox(['0.2.0', '0.3.0'], (s) => {
    const missing = s.run('rollback.sh', ['0.1.0']);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /hearth:0\.1\.0 is not kept here \(kept: 0\.2\.0 0\.3\.0 \)/);
    const bad = s.run('rollback.sh', ['latest']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /not a release version/);
    assert.notEqual(s.run('rollback.sh', []).status, 0);
    assert.doesNotMatch(s.log(), /compose/);
    assert.match(readFileSync(s.envFile, 'utf8'), /^HEARTH_VERSION=0\.3\.0$/m);
  });
});

test('rollback.sh with Helm rolls back to the newest revision that deployed that version', () => {
  withSandbox([], (s) => {
    const r = s.run('rollback.sh', ['0.2.0'], { HEARTH_DEPLOY: 'helm', HEARTH_HELM_NAMESPACE: 'chat' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(s.log(), /^helm rollback hearth 4 --namespace chat --wait$/m);
    const none = s.run('rollback.sh', ['0.9.0'], { HEARTH_DEPLOY: 'helm' });
    assert.notEqual(none.status, 0);
    assert.match(none.stderr, /no Helm revision/);
  });
});

test('release.sh builds hearth:<version>, deploys it and keeps the newest 3 release tags', () => {
  withSandbox(['0.9.0', '0.10.0', '0.8.0'], (s) => {
    const r = s.run('release.sh', ['0.11.0']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(s.log(), /^docker build -t hearth:0\.11\.0 /m);
    assert.match(s.log(), /^docker compose .*up -d --no-build --wait gateway engine HEARTH_VERSION=0\.11\.0$/m);
    assert.deepEqual(
      s.tags().sort(),
      ['0.10.0', '0.11.0', '0.9.0'],
      'version order (0.8.0 is the oldest), not text order',
    );
    assert.match(readFileSync(s.envFile, 'utf8'), /^HEARTH_VERSION=0\.11\.0$/m);
  });
});
