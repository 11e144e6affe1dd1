/**
 * `permissions.hosts` is enforced for Node skill children: the preloaded host guard lets a skill
 * reach the hosts its manifest lists (by fetch and by node:http) and refuses every other host name
 * or port with an error the skill sees, which Hearth logs. Both servers here are on 127.0.0.1; the
 * skill is allowed only `localhost:<port A>`.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../harness.js';
import { hostAllowed, parseHostRules } from '../../src/skills/runtimes/host-guard.js';
import { compiledExample, staticDirWith, tempDir } from './example-skills.js';
import { call, ctx, startTestHost, type TestHost } from './host-fixture.js';

/** A 127.0.0.1 server answering `hello from <name>`, counting its requests. */
async function server(name: string): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const s = createServer((_req, res) => {
    hits++;
    res.end(`hello from ${name}`);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
  return { server: s, port, hits: () => hits };
}

/** The probe program under a manifest named `netprobe` that may reach only `hosts`. */
function netProbeDir(hosts: string[]): string {
  const dir = staticDirWith('isolation-probe');
  const probe = compiledExample('isolation-probe');
  const skill = join(tempDir('hearth-netprobe-'), 'netprobe');
  mkdirSync(skill);
  writeFileSync(
    join(skill, 'skill.json'),
    JSON.stringify({
      name: 'netprobe',
      version: '1.0.0',
      description: 'The probe program with a host allowlist',
      runtime: 'http',
      command: ['node', join(probe, 'server.js')],
      permissions: { read: [probe], hosts },
      tools: [
        {
          name: 'probe_fetch',
          description: 'GET a URL',
          parameters: {
            type: 'object',
            properties: { url: { type: 'string' }, via: { type: 'string' } },
            required: ['url'],
          },
        },
      ],
    }),
  );
  symlinkSync(skill, join(dir, 'netprobe'));
  return dir;
}

describe('skill permissions.hosts', () => {
  let t: TestHost;
  let a: Awaited<ReturnType<typeof server>>;
  let b: Awaited<ReturnType<typeof server>>;
  /** Calls probe_fetch of one of the two skills running the probe program. */
  const fetchVia = async (skill: 'netprobe' | 'probe', url: string, via: 'fetch' | 'http' = 'fetch') => {
    const res = await t.host.execute(call(`${skill}__probe_fetch`, { url, via }), ctx());
    assert.equal(res.isError, undefined, res.content);
    return res.content;
  };

  before(async () => {
    a = await server('A');
    b = await server('B');
    t = await startTestHost({ dir: netProbeDir([`localhost:${a.port}`]) });
    assert.equal(t.host.get('netprobe')?.state, 'ready', JSON.stringify(t.host.get('netprobe')));
  });

  after(async () => {
    await t?.close();
    a?.server.close();
    b?.server.close();
  });

  it('reaches the listed host with fetch and with node:http', async () => {
    assert.equal(await fetchVia('netprobe', `http://localhost:${a.port}/`), '200 hello from A');
    assert.equal(await fetchVia('netprobe', `http://localhost:${a.port}/`, 'http'), '200 hello from A');
  });

  it('refuses another port of the same host, and the same server by another name', async () => {
    const hitsBefore = b.hits() + a.hits();
    for (const url of [`http://localhost:${b.port}/`, `http://127.0.0.1:${a.port}/`]) {
      for (const via of ['fetch', 'http'] as const) {
        const text = await fetchVia('netprobe', url, via);
        assert.match(text, /^failed: EHOSTNOTALLOWED skill netprobe may not connect to /, `${via} ${url}: ${text}`);
        assert.match(text, new RegExp(`permissions\\.hosts \\(allowed: localhost:${a.port}\\)`));
      }
    }
    assert.equal(b.hits() + a.hits(), hitsBefore, 'no refused request reached a server');
  });

  it('Hearth logs each refusal', () => {
    const refused = t.lines.filter((l) => l.event === 'skill_host_refused' && l.skill === 'netprobe');
    assert.ok(
      refused.some((l) => l.host === `localhost:${b.port}`),
      JSON.stringify(refused),
    );
    assert.ok(
      refused.some((l) => l.host === `127.0.0.1:${a.port}`),
      JSON.stringify(refused),
    );
  });

  it('a skill that lists no hosts reaches none', async () => {
    const text = await fetchVia('probe', `http://localhost:${a.port}/`);
    assert.match(text, /^failed: EHOSTNOTALLOWED skill probe may not connect to localhost:\d+: .*\(allowed: none\)/);
  });

  it('matches names, wildcards and ports as documented', () => {
    const rules = parseHostRules(['api.example.com', '*.cdn.example.net:443', '[::1]:8080']);
    assert.equal(hostAllowed(rules, 'API.example.com', 443), true);
    assert.equal(hostAllowed(rules, 'evil-api.example.com', 443), false);
    assert.equal(hostAllowed(rules, 'img.cdn.example.net', 443), true);
    assert.equal(hostAllowed(rules, 'img.cdn.example.net', 80), false);
    assert.equal(hostAllowed(rules, 'cdn.example.net', 443), false);
    assert.equal(hostAllowed(rules, '::1', 8080), true);
    assert.equal(hostAllowed(parseHostRules(['*']), 'anything.example', 1), true);
  });
});
