/**
 * Least privilege for skill processes: a child gets only the environment variables its manifest
 * grants, and (for Node programs) Node's permission model limits the files it can read and write
 * to its own folder, its data folder, the runtime libraries and what the manifest grants. Child
 * processes and worker threads are denied too, and the preloaded host guard (host-guard.ts) lets
 * it connect only to the hosts of `permissions.hosts`. Other programs get the environment limit
 * only; run them as sidecar containers for filesystem and network isolation.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { refusedPrefix } from './host-guard.js';

export interface Grants {
  /** The skill's name (in the host guard's refusals). */
  skill: string;
  /** The skill's own folder (read). */
  skillDir: string;
  /** Its private data folder (read and write). */
  dataDir: string;
  read: readonly string[];
  write: readonly string[];
  /** Names of environment variables passed through from Hearth's environment. */
  env: readonly string[];
  /** Hosts (`name`, `*.domain`, either with `:port`; `*`: any) a Node child may connect to. */
  hosts: readonly string[];
}

/** The compiled host guard and its preload (`--import`) entry, loaded into Node children first. */
const hostGuard = [
  fileURLToPath(new URL('./host-guard-preload.js', import.meta.url)),
  fileURLToPath(new URL('./host-guard.js', import.meta.url)),
];

export interface SandboxedCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** Folders every Node skill needs to read: installed packages, the skill SDK, the .proto contract. */
function runtimeLibraryPaths(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const paths = [resolve(here, '../../../sdk')];
  let dir = here;
  while (dirname(dir) !== dir) {
    if (existsSync(join(dir, 'node_modules'))) {
      paths.push(join(dir, 'node_modules'));
      if (existsSync(join(dir, 'proto'))) paths.push(join(dir, 'proto'));
      break;
    }
    dir = dirname(dir);
  }
  return paths;
}

/** Node's permission flag: `--permission` from Node 22, `--experimental-permission` before. */
function permissionFlag(): string {
  return process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
}

/** Directories need a trailing slash so the grant covers what is inside them. */
function fsGrant(path: string): string {
  try {
    return statSync(path).isDirectory() ? path.replace(/\/?$/, '/') : path;
  } catch {
    return path;
  }
}

/** Turns a manifest command (`node server.js`) into what to spawn, with the grants applied. */
export function sandboxedCommand(
  command: readonly string[],
  grants: Grants,
  extraEnv: Record<string, string>,
): SandboxedCommand {
  const env: Record<string, string> = {};
  for (const name of grants.env) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, extraEnv, { HEARTH_SKILL_DATA: grants.dataDir });
  const inSkill = (p: string) => (isAbsolute(p) ? p : resolve(grants.skillDir, p));
  const [program, ...rest] = command;
  if (program !== 'node') return { file: inSkill(program ?? ''), args: rest, env };
  const reads = [grants.skillDir, grants.dataDir, ...hostGuard, ...runtimeLibraryPaths(), ...grants.read.map(inSkill)];
  env.HEARTH_SKILL_NAME = grants.skill;
  env.HEARTH_SKILL_HOSTS = JSON.stringify(grants.hosts);
  const writes = [grants.dataDir, ...grants.write.map(inSkill)];
  const args = [
    permissionFlag(),
    '--no-warnings',
    `--import=${pathToFileURL(hostGuard[0]!).href}`,
    ...reads.map((p) => `--allow-fs-read=${fsGrant(p)}`),
    ...writes.map((p) => `--allow-fs-write=${fsGrant(p)}`),
    ...rest.map((a, i) => (i === 0 && !a.startsWith('-') ? inSkill(a) : a)),
  ];
  return { file: process.execPath, args, env };
}

/**
 * Logs one chunk of a skill's stderr: refusals reported by the host guard as warnings
 * (`skill_host_refused`), everything else at debug level, cut short.
 */
export function logSkillStderr(log: Logger, skill: string, chunk: Buffer): void {
  const text = chunk.toString('utf8');
  for (const line of text.split('\n')) {
    if (!line.startsWith(refusedPrefix)) continue;
    let host: unknown;
    try {
      host = (JSON.parse(line.slice(refusedPrefix.length)) as { host?: unknown }).host;
    } catch {
      host = line.slice(refusedPrefix.length, refusedPrefix.length + 200);
    }
    log.warn({ skill, host, event: 'skill_host_refused' }, 'skill connection refused: host not in permissions.hosts');
  }
  log.debug({ skill, stderr: text.slice(0, 500) }, 'skill stderr');
}
