/**
 * A rolling restart behind the shipped nginx config (deploy/nginx/hearth.conf, real Debian nginx): two
 * Hearth processes in its upstream, restarted one after the other while clients keep sending chat turns
 * (streamed and not) through TLS. No request may fail and every turn must be answered by the model: a
 * draining Hearth answers 503 `HEARTH_E_SHUTTING_DOWN` without doing anything, and nginx passes the
 * request to the other one (`proxy_next_upstream … http_503`).
 *
 * nginx leaves a server that refused a connection out of the upstream for fail_timeout (10 s by default), so
 * the next process is stopped only after that — what deploy/nginx/hearth.conf tells operators to do.
 *
 * The test changes only what a real install changes too: the two upstream addresses, the listen address
 * and the certificate paths (a self-signed pair made by openssl).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { freePort, startHearth, TEST_TOKEN, type HearthProcess } from '../harness.js';
import { readRepoFile } from './repo-paths.js';

/** The shipped site config with this test's addresses and certificate in place of the example ones. */
function siteConfig(dir: string, listen: number, upstreams: number[]): string {
  let conf = readRepoFile('deploy/nginx/hearth.conf');
  const upstream = /upstream hearth \{[^}]*\}/.exec(conf)?.[0];
  assert.ok(upstream, 'the shipped config has an upstream block');
  assert.match(upstream, /proxy_next_upstream|max_fails|server /);
  conf = conf.replace(
    upstream,
    upstream.replace(
      /^\s*server 127\.0\.0\.1:8080[^;]*;$/m,
      upstreams.map((p) => `    server 127.0.0.1:${p};`).join('\n'),
    ),
  );
  // The plain-HTTP server only redirects to HTTPS; here the HTTPS one listens on a free loopback port.
  conf = conf.replace(/server \{\s*listen 80;[\s\S]*?\n\}\n/, '');
  conf = conf.replace(/^\s*listen \[::\]:443 ssl http2;$/m, '');
  conf = conf.replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${listen} ssl;`);
  conf = conf.replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${join(dir, 'cert.pem')};`);
  conf = conf.replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${join(dir, 'key.pem')};`);
  return conf;
}

interface Outcome {
  status: number;
  body: string;
}

/** One chat turn through nginx (self-signed certificate, so no verification here). */
function turn(port: number, i: number, stream: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ model: 'env', stream, messages: [{ role: 'user', content: `turn ${i}` }] });
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/chat/completions',
        method: 'POST',
        rejectUnauthorized: false,
        servername: 'hearth.example.com',
        headers: {
          host: 'hearth.example.com',
          'content-type': 'application/json',
          authorization: `Bearer ${TEST_TOKEN}`,
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
        res.on('error', (err) => resolve({ status: -1, body: String(err) }));
      },
    );
    req.on('error', (err) => resolve({ status: -1, body: String(err) }));
    req.end(body);
  });
}

/** The assistant's text of a turn: the message of a JSON answer, or the streamed deltas joined. */
function answerOf(o: Outcome & { stream: boolean }): string {
  if (!o.stream) return JSON.parse(o.body).choices[0].message.content;
  return o.body
    .split('\n')
    .filter((l) => l.startsWith('data: {'))
    .map((l) => JSON.parse(l.slice('data: '.length)).choices[0]?.delta?.content ?? '')
    .join('');
}

describe('rolling restart of two Hearth processes behind the shipped nginx config', () => {
  let dir: string;
  let model: ModelFake;
  let nginx: ChildProcess;
  const hearths: HearthProcess[] = [];
  const ports: number[] = [];
  let proxyPort: number;
  let nginxLog = '';

  const start = (i: number, dataDir?: string) =>
    startHearth({
      dataDir,
      keepDataDir: true,
      env: {
        HEARTH_PORT: String(ports[i]),
        MODEL_ENDPOINT: model.baseUrl,
        MODEL_NAME: 'fake-model',
      },
      config: 'server:\n  allowedHosts: [hearth.example.com]\n  drainTimeoutMs: 20000\n',
      timeoutMs: 60_000,
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-nginx-'));
    chmodSync(dir, 0o755);
    // Answers take a little while, so some are always in flight when a process is told to stop.
    model = await startOpenAIFake({ delayMs: 40 });
    model.setReply((b) => ({ text: `answer to ${/turn -?\d+/.exec(JSON.stringify(b))?.[0] ?? '?'}` }));
    execFileSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=hearth.example.com',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    ports.push(await freePort(), await freePort());
    proxyPort = await freePort();
    for (let i = 0; i < 2; i++) hearths.push(await start(i));
    mkdirSync(join(dir, 'tmp'));
    chmodSync(join(dir, 'tmp'), 0o777);
    writeFileSync(join(dir, 'hearth.conf'), siteConfig(dir, proxyPort, ports));
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'error.log')} warn;`,
        'worker_processes 1;',
        'events { worker_connections 512; }',
        'http {',
        `  access_log off;`,
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, 'tmp', t)};`),
        `  include ${join(dir, 'hearth.conf')};`,
        '}',
        '',
      ].join('\n'),
    );
    execFileSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'pipe' });
    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'pipe' });
    nginx.stderr?.on('data', (c: Buffer) => (nginxLog += c.toString()));
    for (let i = 0; ; i++) {
      const r = await turn(proxyPort, -1, false);
      if (r.status === 200) break;
      assert.ok(i < 100, `nginx does not answer: ${r.status} ${r.body} ${nginxLog}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  });

  after(async () => {
    nginx?.kill('SIGQUIT');
    await Promise.all(hearths.map((h) => h.stop()));
    await model?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every turn while each process is restarted in turn', async () => {
    let running = true;
    const outcomes: Array<Outcome & { i: number; stream: boolean }> = [];
    let next = 0;
    const client = async (stream: boolean) => {
      while (running) {
        const i = next++;
        outcomes.push({ i, stream, ...(await turn(proxyPort, i, stream)) });
      }
    };
    const clients = [0, 1, 2, 3, 4, 5].map((c) => client(c % 2 === 1));
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < 2; i++) {
      const old = hearths[i]!;
      const code = await old.stop();
      assert.equal(code, 0, `process ${i} drained and exited 0`);
      assert.ok(
        old.logs.some((l) => l.msg === 'stopped'),
        'it stopped cleanly',
      );
      hearths[i] = await start(i, old.dataDir);
      // nginx leaves a failed server out for fail_timeout (10 s, the default the shipped config keeps): the
      // restarted one is back in the upstream only after that, so the next is stopped a moment later.
      await new Promise((r) => setTimeout(r, 11_000));
    }
    running = false;
    await Promise.all(clients);

    const failed = outcomes.filter((o) => o.status !== 200);
    assert.deepEqual(
      failed.map((o) => `${o.i}: ${o.status} ${o.body.slice(0, 200)}`),
      [],
      `no request failed; nginx error log:\n${readFileSync(join(dir, 'error.log'), 'utf8').slice(0, 3000)}`,
    );
    for (const o of outcomes) assert.equal(answerOf(o), `answer to turn ${o.i}`, `turn ${o.i} got its own answer`);
    assert.ok(outcomes.length >= 50, `enough load (${outcomes.length} turns)`);
    // The restarts really happened under load: both new processes answered turns.
    for (const h of hearths) assert.ok(h.logs.some((l) => l.msg === 'request' && l.statusCode === 200));
    // A stopped process refuses connections: nginx logs that and passes the request on (every turn above succeeded).
    // Anything else it logs at error level or worse is a problem.
    const errors = readFileSync(join(dir, 'error.log'), 'utf8')
      .split('\n')
      .filter(
        (l) => /\[(error|crit|alert|emerg)\]/.test(l) && !/connect\(\) failed \(111: Connection refused\)/.test(l),
      );
    assert.deepEqual(errors, [], 'nginx logged no other error');
  });
});
