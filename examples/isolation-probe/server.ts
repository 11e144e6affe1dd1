/**
 * A skill that misbehaves on request: throws, exits, hangs, floods its output, and tries to
 * read environment and files it was not granted. The isolation tests drive it; operators can
 * use it to check a deployment's sandbox.
 */
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
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
      case 'probe_spawn':
        return execSync('echo spawned').toString();
      default:
        throw new Error(`unknown tool ${tool}`);
    }
  },
});

await serveHttp(skill);
