/**
 * The container image, built and run for real (`npm run test:container`; `.ci/run` runs it): the Dockerfile
 * is built by podman on a base image made locally (scripts/container-base.sh: debootstrap + Node from the npm
 * registry, since no container registry is reachable here), run with runc as the deployment guide says, with a
 * read-only root file system. The test waits for the image's own HEALTHCHECK to pass, chats through the fake
 * model, and checks the process runs as a non-root user that cannot write outside /data, and that SIGTERM
 * (`podman stop`) drains and exits 0.
 *
 * podman needs `--format docker` (the OCI format has no HEALTHCHECK), `--runtime runc` and rlimits at or below the
 * host's (ULIMITS below). The build takes several minutes, so `npm test` leaves it out and `.ci/run` runs it last.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { freePort, ROOT, TEST_TOKEN } from '../harness.js';

const IMAGE = process.env.HEARTH_TEST_IMAGE ?? 'localhost/hearth:test';
const NAME = `hearth-test-${process.pid}`;
const VOLUME = `${NAME}-data`;
/**
 * podman's default rlimits (1,048,576 open files, the kernel's process maximum) are above what this
 * sandbox's runtime may set; limits at or below the host's hard ones are accepted.
 */
const ULIMITS = ['--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096'];

const podman = (...args: string[]) => execFileSync('podman', args, { encoding: 'utf8', stdio: 'pipe' }).trim();

describe('the container image', { timeout: 40 * 60_000 }, () => {
  let model: ModelFake;
  let port: number;

  before(async () => {
    const base = execFileSync('bash', ['scripts/container-base.sh', '24'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const build = spawnSync(
      'podman',
      // Docker's image format: the OCI one podman writes by default has no HEALTHCHECK field, so it would be dropped.
      [
        'build',
        '--format',
        'docker',
        '--runtime',
        'runc',
        ...ULIMITS,
        '--build-arg',
        `NODE_IMAGE=${base}`,
        '-t',
        IMAGE,
        '.',
      ],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    assert.equal(build.status, 0, `podman build failed:\n${(build.stdout + build.stderr).slice(-4000)}`);
    model = await startOpenAIFake();
    model.setReply(() => ({ text: 'hello from the fake model' }));
    port = await freePort();
    podman('volume', 'create', VOLUME);
    podman(
      'run',
      '--detach',
      '--name',
      NAME,
      '--runtime',
      'runc',
      ...ULIMITS,
      '--read-only',
      '--network',
      'host',
      '--volume',
      `${VOLUME}:/data`,
      '--env',
      'HEARTH_HOST=127.0.0.1',
      '--env',
      `HEARTH_PORT=${port}`,
      '--env',
      `HEARTH_API_TOKEN=${TEST_TOKEN}`,
      '--env',
      `MODEL_ENDPOINT=${model.baseUrl}`,
      '--env',
      'MODEL_NAME=fake-model',
      IMAGE,
    );
  });

  after(async () => {
    spawnSync('podman', ['rm', '--force', '--time', '5', NAME]);
    spawnSync('podman', ['volume', 'rm', '--force', VOLUME]);
    await model?.close();
  });

  it('prints its size', () => {
    const bytes = Number(podman('image', 'inspect', '--format', '{{.Size}}', IMAGE));
    console.log(`image ${IMAGE}: ${(bytes / 1024 / 1024).toFixed(0)} MiB`);
    assert.ok(bytes > 0);
  });

  it('passes its own HEALTHCHECK', async () => {
    // Without systemd, podman runs health checks on request: this runs the image's HEALTHCHECK command.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const check = spawnSync('podman', ['healthcheck', 'run', NAME], { encoding: 'utf8' });
      if (check.status === 0) break;
      const state = podman('inspect', '--format', '{{.State.Status}}', NAME);
      assert.equal(state, 'running', `the container stopped:\n${spawnSync('podman', ['logs', NAME]).stderr}`);
      assert.ok(Date.now() < deadline, `not healthy within 2 minutes: ${check.stdout}${check.stderr}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(podman('inspect', '--format', '{{.State.Health.Status}}', NAME), 'healthy');
  });

  it('answers a chat through the fake model', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` },
      body: JSON.stringify({ model: 'env', messages: [{ role: 'user', content: 'hello in there' }] }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    assert.equal(body.choices[0]!.message.content, 'hello from the fake model');
    assert.ok(
      model.requests.some((r) => JSON.stringify(r.body).includes('hello in there')),
      'the model got the message',
    );
  });

  it('runs as a non-root user on a read-only root file system, writing only /data', () => {
    assert.equal(podman('exec', NAME, 'id', '-u'), '1000');
    assert.equal(podman('inspect', '--format', '{{.HostConfig.ReadonlyRootfs}}', NAME), 'true');
    const write = spawnSync('podman', ['exec', NAME, 'sh', '-c', 'echo x > /app/written'], { encoding: 'utf8' });
    assert.notEqual(write.status, 0, 'the code folder is not writable');
    assert.match(write.stderr, /Read-only file system|Permission denied/);
    // The history database and the generated master key are in the volume.
    const data = podman('exec', NAME, 'sh', '-c', 'ls /data /data/security');
    assert.match(data, /master\.key/);
  });

  it('drains and exits 0 on SIGTERM', () => {
    podman('stop', '--time', '30', NAME);
    assert.equal(podman('inspect', '--format', '{{.State.ExitCode}}', NAME), '0');
    assert.match(spawnSync('podman', ['logs', NAME], { encoding: 'utf8' }).stdout, /"message":"stopped"/);
  });
});
