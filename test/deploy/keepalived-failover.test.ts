/**
 * The shipped keepalived config and health-check script, in network namespaces this test creates:
 * two "hosts" (each a Hearth, a fake model and keepalived with deploy/keepalived/keepalived.conf)
 * and a client on one bridge. Killing the active Hearth moves the virtual IP to the standby within
 * 5 s and the client's next turn is answered there; the restarted host does not take the VIP back
 * (nopreempt). Needs root (CAP_NET_ADMIN), `ip` and Debian's keepalived, as on CI.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, ROOT } from '../harness.js';

const tag = randomBytes(2).toString('hex');
const NS = { a: `hka${tag}`, b: `hkb${tag}`, client: `hkc${tag}`, bridge: `hkr${tag}` };
const ADDR = { a: '10.231.0.1', b: '10.231.0.2', client: '10.231.0.9' };
const VIP = '10.231.0.100';
const TOKEN = 'keepalived-test-token-0123456789';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' }).toString();
const inNs = (ns: string, ...cmd: string[]) =>
  execFileSync('ip', ['netns', 'exec', ns, ...cmd], { stdio: 'pipe', timeout: 20_000 }).toString();

async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined | false;
    try {
      v = fn();
    } catch {
      v = undefined;
    }
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Which host holds the VIP now (undefined: none). */
function vipHolder(): 'a' | 'b' | undefined {
  for (const h of ['a', 'b'] as const) if (inNs(NS[h], 'ip', '-4', 'addr', 'show').includes(`${VIP}/`)) return h;
  return undefined;
}

/** One chat turn from the client namespace through the VIP. */
function chatViaVip(text: string): string {
  const out = inNs(
    NS.client,
    'curl',
    '-fsS',
    '--max-time',
    '10',
    '-H',
    `authorization: Bearer ${TOKEN}`,
    '-H',
    'content-type: application/json',
    '-d',
    JSON.stringify({ messages: [{ role: 'user', content: text }] }),
    `http://${VIP}:8080/v1/chat/completions`,
  );
  return (JSON.parse(out) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
}

describe('keepalived failover between two Hearth hosts', { timeout: 240_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'hearth-keepalived-'));
  const children: ChildProcess[] = [];
  const hearths: Partial<Record<'a' | 'b', ChildProcess>> = {};

  const run = (ns: string, cmd: string[], env: Record<string, string> = {}): ChildProcess => {
    const child = spawn('ip', ['netns', 'exec', ns, ...cmd], {
      env: { PATH: process.env.PATH ?? '', HOME: root, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.resume();
    child.stderr!.resume();
    children.push(child);
    return child;
  };

  const startHearth = async (h: 'a' | 'b') => {
    const config = join(root, `hearth-${h}.yml`);
    writeFileSync(
      config,
      `models:\n  default: m\n  catalog:\n    m: { provider: openai, baseUrl: "http://127.0.0.1:9000/v1", model: m }\n`,
    );
    hearths[h] = run(NS[h], [process.execPath, BIN, 'start', '--config', config], {
      HEARTH_HOST: '0.0.0.0',
      HEARTH_PORT: '8080',
      HEARTH_DATA_DIR: join(root, `data-${h}`),
      HEARTH_API_TOKEN: TOKEN,
    });
    await waitFor(
      `hearth on ${h} ready`,
      () => inNs(NS[h], join(ROOT, 'deploy', 'keepalived', 'check_hearth.sh')) !== undefined,
      90_000,
    );
  };

  before(async () => {
    ip('netns', 'add', NS.bridge);
    ip('-n', NS.bridge, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', NS.bridge, 'link', 'set', 'br0', 'up');
    for (const h of ['a', 'b', 'client'] as const) {
      ip('netns', 'add', NS[h]);
      ip('link', 'add', `v${h}${tag}`, 'type', 'veth', 'peer', 'name', `p${h}${tag}`);
      ip('link', 'set', `v${h}${tag}`, 'netns', NS[h]);
      ip('link', 'set', `p${h}${tag}`, 'netns', NS.bridge);
      ip('-n', NS.bridge, 'link', 'set', `p${h}${tag}`, 'master', 'br0', 'up');
      ip('-n', NS[h], 'link', 'set', 'lo', 'up');
      ip('-n', NS[h], 'link', 'set', `v${h}${tag}`, 'name', 'eth0');
      ip('-n', NS[h], 'addr', 'add', `${ADDR[h]}/24`, 'dev', 'eth0');
      ip('-n', NS[h], 'link', 'set', 'eth0', 'up');
    }
    const shipped = readFileSync(join(ROOT, 'deploy', 'keepalived', 'keepalived.conf'), 'utf8');
    for (const h of ['a', 'b'] as const) {
      run(NS[h], [process.execPath, join(ROOT, 'dist', 'test', 'fakes', 'openai-server.js'), '--port', '9000']);
      // The shipped file with only what the comments say to change per host.
      const conf = shipped
        .replace('/etc/keepalived/check_hearth.sh', join(ROOT, 'deploy', 'keepalived', 'check_hearth.sh'))
        .replace('192.168.1.100/24', `${VIP}/24`)
        .replace('priority 150', `priority ${h === 'a' ? 150 : 100}`);
      writeFileSync(join(root, `keepalived-${h}.conf`), conf);
    }
    await startHearth('a');
    run(NS.a, [
      'keepalived',
      '-n',
      '-l',
      '--vrrp',
      '-f',
      join(root, 'keepalived-a.conf'),
      '-p',
      join(root, 'ka-a.pid'),
      '-r',
      join(root, 'vrrp-a.pid'),
    ]);
    await waitFor('host a to take the VIP', () => vipHolder() === 'a', 30_000);
    await startHearth('b');
    run(NS.b, [
      'keepalived',
      '-n',
      '-l',
      '--vrrp',
      '-f',
      join(root, 'keepalived-b.conf'),
      '-p',
      join(root, 'ka-b.pid'),
      '-r',
      join(root, 'vrrp-b.pid'),
    ]);
    await new Promise((r) => setTimeout(r, 3000)); // b has heard a's adverts and settled as backup
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(
      children.map((c) =>
        c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined,
      ),
    );
    for (const ns of Object.values(NS)) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('moves the VIP to the standby within 5 s of the active Hearth dying; the client continues there; no steal-back', async () => {
    assert.equal(vipHolder(), 'a');
    assert.equal(chatViaVip('first turn'), 'You said: first turn');

    hearths.a!.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor('the VIP on host b', () => vipHolder() === 'b', 15_000);
    const moved = Date.now() - killedAt;
    assert.ok(moved < 5000, `the VIP moved in ${moved} ms`);
    assert.equal(
      await waitFor('an answer through the VIP', () => chatViaVip('second turn'), 10_000),
      'You said: second turn',
    );

    await startHearth('a');
    await new Promise((r) => setTimeout(r, 5000)); // several check intervals and adverts
    assert.equal(vipHolder(), 'b', 'nopreempt: the recovered host leaves the VIP where it is');
    assert.equal(chatViaVip('third turn'), 'You said: third turn');
  });
});
