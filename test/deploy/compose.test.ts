/**
 * compose.yaml, parsed with `yaml` (no compose plugin here): the services of the scaled shape,
 * restart policies, health checks, the engine's reservations, the model server's limits, commands
 * that are real `hearth` subcommands, environment variables Hearth reads, and a config that
 * `hearth config validate` accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '../../src/core/config.js';
import { CidrList } from '../../src/security/cidr.js';
import { clientIp } from '../../src/security/client-ip.js';
import { cliMain, envNamesInSources, platformEnvNames, readRepoFile, repoRoot } from './repo-paths.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  restart?: string;
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { resources?: { reservations?: { cpus?: string; memory?: string } } };
  shm_size?: string;
  ulimits?: Record<string, number>;
  ports?: string[];
}

const compose = parse(readRepoFile('compose.yaml'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const hearthServices = ['gateway', 'engine'];

/** Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?message}` with an empty .env. */
const interpolate = (s: string) =>
  s.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, _name: string, op?: string, arg?: string) =>
    op === '-' ? (arg ?? '') : 'set-by-dotenv-0123456789abcdef',
  );

/** Runs the CLI of this build; resolves with its exit code and output. */
function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('the scaled shape: gateway, engine, model server, Redis, PostgreSQL and a reverse proxy', () => {
  for (const name of ['gateway', 'engine', 'model-server', 'redis', 'postgres', 'proxy'])
    assert.ok(services[name], `service ${name}`);
  for (const [name, svc] of Object.entries(services)) {
    assert.equal(svc.restart, 'unless-stopped', `${name} restarts unless stopped`);
    assert.ok(svc.healthcheck?.test && svc.healthcheck.test.length > 1, `${name} has a health check`);
    for (const dep of Object.keys(svc.depends_on ?? {}))
      assert.ok(services[dep], `${name} depends on a declared service ${dep}`);
    for (const v of svc.volumes ?? []) {
      const source = interpolate(v).split(':')[0];
      if (!source.startsWith('.') && !source.startsWith('/'))
        assert.ok(compose.volumes && source in compose.volumes, `named volume ${source} is declared`);
    }
  }
  for (const name of hearthServices) {
    const svc = services[name];
    assert.match(svc.image ?? '', /^hearth:\$\{HEARTH_VERSION/, `${name} runs the release tag hearth:<version>`);
    assert.ok(svc.build, `${name} builds from the Dockerfile`);
    const env = svc.environment ?? {};
    assert.equal(env.CHANNEL_CONFIG, '/config/channels.yml');
    assert.equal(env.MODEL_ENDPOINT, 'http://model-server:8080/v1');
    assert.ok(env.TZ, 'TZ');
    assert.equal(env.HEARTH_HOST, '0.0.0.0', 'listens beyond loopback inside the container');
    const targets = (svc.volumes ?? []).map((v) => interpolate(v).split(':')[1]);
    assert.ok(
      targets.includes('/config') && targets.includes('/data') && targets.some((t) => t.startsWith('/var/log')),
      `${name} mounts config, data and logs`,
    );
    assert.match(svc.healthcheck?.test?.join(' ') ?? '', /\/readyz|\/healthz/);
  }
  const reservations = services.engine.deploy?.resources?.reservations;
  assert.equal(reservations?.cpus, '2');
  assert.equal(reservations?.memory, '4G');
});

test("the model server is llama.cpp with the source document's memory settings", () => {
  const ms = services['model-server'];
  assert.equal(ms.image, 'ghcr.io/ggml-org/llama.cpp:server');
  assert.equal(ms.shm_size, '2gb');
  assert.equal(ms.ulimits?.memlock, -1);
  assert.equal(ms.ulimits?.stack, 65536);
  assert.ok(
    (ms.volumes ?? []).some((v) => interpolate(v).split(':')[1] === '/models'),
    'a model volume',
  );
  assert.ok(
    ms.command?.includes('--port') && ms.command[ms.command.indexOf('--port') + 1] === '8080',
    'serves on the port MODEL_ENDPOINT names',
  );
});

test('the proxy serves deploy/nginx/hearth.conf with its upstream pointed at the gateway', () => {
  const proxy = services.proxy;
  assert.ok(proxy.ports?.includes('80:80') && proxy.ports.includes('443:443'));
  const mount = (proxy.volumes ?? []).find((v) => v.includes('hearth.conf'));
  assert.ok(mount && existsSync(join(repoRoot, mount.split(':')[0])), 'the nginx config it mounts exists');
  const conf = readRepoFile('deploy/nginx/hearth.conf');
  const script = proxy.command?.join(' ') ?? '';
  // The sed expressions must still match the file, or nginx would proxy to its own loopback.
  for (const [, pattern] of script.matchAll(/-e 's\/([^/]+)\//g)) {
    assert.ok(conf.includes(pattern.replace(/\\\./g, '.')), `deploy/nginx/hearth.conf still contains "${pattern}"`);
  }
  assert.match(script, /server gateway:8080;/);
});

test('Hearth services set only environment variables Hearth reads', () => {
  const known = envNamesInSources();
  for (const name of hearthServices) {
    for (const key of Object.keys(services[name].environment ?? {})) {
      assert.ok(
        known.has(key) || platformEnvNames.has(key),
        `${name}: ${key} is read by Hearth (found in src/) or by the runtime`,
      );
    }
  }
});

test('each Hearth command in compose.yaml is a real `hearth` subcommand', async () => {
  const commands = [...new Set(hearthServices.map((s) => services[s].command?.[0]).filter((c): c is string => !!c))];
  assert.deepEqual(commands.sort(), ['engine', 'gateway']);
  const results = await Promise.all(commands.map(async (cmd) => ({ cmd, ...(await runCli([cmd, '--help'])) })));
  for (const r of results) {
    assert.equal(r.code, 0, `hearth ${r.cmd} --help exits 0: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`Usage: hearth ${r.cmd}`));
  }
});

test('the mounted config validates with `hearth config validate` under the compose environment', async () => {
  const svc = services.engine;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.environment ?? {})) env[k] = interpolate(String(v));
  const configDir = interpolate((svc.volumes ?? []).find((v) => v.includes(':/config'))!).split(':')[0];
  for (const key of ['HEARTH_CONFIG', 'CHANNEL_CONFIG'])
    env[key] = join(repoRoot, configDir, env[key].replace(/^\/config\//, ''));
  const r = await runCli(['config', 'validate'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /hearth\.scaled\.yml: ok/);
});

test('the gateway believes the compose proxy: users behind it are counted by their own address, not as one IP', () => {
  const configFile = join(repoRoot, 'deploy/config', basename(String(services.gateway.environment?.HEARTH_CONFIG)));
  const config = configSchema.parse(parse(readFileSync(configFile, 'utf8')));
  const trusted = new CidrList(config.security.ipAllowlist.trustedProxies);
  // The proxy container's address on a compose network (Docker's default pools), passing the user's address on.
  const behindProxy = (peer: string) =>
    clientIp({ headers: { 'x-forwarded-for': '203.0.113.7' }, socket: { remoteAddress: peer } }, trusted);
  assert.equal(behindProxy('172.18.0.5'), '203.0.113.7');
  assert.equal(behindProxy('192.168.16.3'), '203.0.113.7');
  // Anyone else's header is not believed.
  assert.equal(behindProxy('198.51.100.9'), '198.51.100.9');
});
