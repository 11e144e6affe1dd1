/**
 * A skill that misbehaves on request: throws, exits, hangs, floods its output, and tries to
 * read environment and files it was not granted. The isolation tests drive it; operators can
 * use it to check a deployment's sandbox.
 */
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { defineSkill, serveHttp } from '../../sdk/index.js';

const started = Date.now();

const skill = defineSkill({
  execute({ tool, arguments: args }) {
    switch (tool) {
      case 'probe_ok':
        return `ok pid=${process.pid} up=${Date.now() - started}ms`;
      case 'probe_throw':
        throw new Error('probe failed on purpose');
      case 'probe_crash':
        setImmediate(() => process.exit(3));
        return new Promise<string>(() => undefined);
      case 'probe_hang':
        for (;;) {
          // A synchronous busy loop: only killing the process ends it.
        }
      case 'probe_flood': {
        const line = 'x'.repeat(64 * 1024) + '\n';
        const write = () => {
          while (process.stdout.write(line)) {
            /* keep writing */
          }
          process.stdout.once('drain', write);
        };
        write();
        return new Promise<string>(() => undefined);
      }
      case 'probe_env':
        return `${String(args.name)}=${process.env[String(args.name)] ?? '(unset)'}`;
      case 'probe_read':
        return readFileSync(String(args.path), 'utf8').slice(0, 200);
      case 'probe_write':
        writeFileSync(String(args.path), 'probe');
        return 'written';
      case 'probe_fetch':
        return fetchText(String(args.url), args.via === 'http' ? 'http' : 'fetch');
      case 'probe_spawn':
        return execSync('echo spawned').toString();
      default:
        throw new Error(`unknown tool ${tool}`);
    }
  },
});

/** GETs a URL with fetch (undici) or node:http; a refused or failed connection comes back as text. */
async function fetchText(url: string, via: 'fetch' | 'http'): Promise<string> {
  try {
    if (via === 'fetch') {
      const res = await fetch(url);
      return `${res.status} ${await res.text()}`;
    }
    return await new Promise<string>((resolve, reject) => {
      get(url, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      }).on('error', reject);
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string; code?: string } }).cause;
    const e = cause ?? (err as { message?: string; code?: string });
    return `failed: ${e.code ?? ''} ${e.message ?? String(err)}`;
  }
}

await serveHttp(skill);
