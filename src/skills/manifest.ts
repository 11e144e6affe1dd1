/**
 * The skill manifest (`skill.json` or `skill.yaml`): who the skill is, how it runs, which tools it
 * offers and what it may touch. One zod schema validates uploads and static skills alike.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ErrorCode, HearthError } from '../core/errors.js';

export const runtimeKinds = ['in-process', 'http', 'grpc', 'sidecar', 'mcp'] as const;
export type RuntimeKind = (typeof runtimeKinds)[number];

export const skillNamePattern = /^[a-z][a-z0-9_-]{0,31}$/;

/** A `/regex/` trigger (else a keyword). */
export function isRegexTrigger(trigger: string): boolean {
  return trigger.length > 2 && trigger.startsWith('/') && trigger.endsWith('/');
}

/** Keywords, or `/regex/` patterns, that must compile: a bad one fails the manifest, not a turn. */
const triggerList = z.array(
  z.string().refine((t) => !isRegexTrigger(t) || compiles(t.slice(1, -1)), 'not a valid regular expression'),
);

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'i');
    return true;
  } catch {
    return false;
  }
}

const toolSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,40}$/),
  description: z.string().min(1).max(400),
  parameters: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {} }),
  triggers: triggerList.optional(),
  /** Sends messages to others, writes files, spends money or drives devices: the engine asks first. */
  sensitive: z.boolean().default(false),
});
export type ToolDeclaration = z.infer<typeof toolSchema>;

export const manifestSchema = z
  .strictObject({
    name: z.string().regex(skillNamePattern, 'lowercase letters, digits, - and _; starts with a letter; at most 32'),
    version: z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'semantic version like 1.2.3'),
    description: z.string().min(1).max(400),
    runtime: z.enum(runtimeKinds),
    /** in-process: the module exporting the skill; http/grpc: the program run as a child (argv). */
    entry: z.string().optional(),
    command: z.array(z.string()).min(1).optional(),
    /** http/grpc/mcp: reach an already running server instead of starting one. */
    url: z.url().optional(),
    /** sidecar: socket file name inside skills.sidecarDir. */
    socket: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/)
      .optional(),
    /** mcp: stdio (command) or streamable HTTP (url). */
    transport: z.enum(['stdio', 'http']).optional(),
    configSchema: z.record(z.string(), z.unknown()).optional(),
    tools: z.array(toolSchema).default([]),
    triggers: triggerList.default([]),
    timeoutMs: z.int().positive().max(600_000).optional(),
    permissions: z
      .strictObject({
        env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
        /** Paths (relative to the skill folder, or absolute) the process may read. */
        read: z.array(z.string()).default([]),
        /** Paths the process may write; `data` is always granted: its own data folder. */
        write: z.array(z.string()).default([]),
        hosts: z.array(z.string()).default([]),
      })
      .prefault({}),
  })
  .superRefine((m, ctx) => {
    const need = (ok: boolean, message: string) => ok || ctx.addIssue({ code: 'custom', message });
    if (m.runtime === 'in-process') need(!!m.entry, 'in-process skills need `entry` (a module file)');
    if (m.runtime === 'http' || m.runtime === 'grpc')
      need(!!(m.command || m.url), `${m.runtime} skills need \`command\` or \`url\``);
    if (m.runtime === 'sidecar') need(!!m.socket, 'sidecar skills need `socket`');
    if (m.runtime === 'mcp')
      need(!!(m.command || m.url), 'mcp skills need `command` (stdio) or `url` (streamable HTTP)');
    if (m.runtime !== 'mcp') need(m.tools.length > 0, 'declare at least one tool');
    const names = new Set<string>();
    for (const t of m.tools) {
      need(!names.has(t.name), `duplicate tool ${t.name}`);
      names.add(t.name);
    }
  });
export type SkillManifest = z.infer<typeof manifestSchema>;

/** Validates a parsed manifest; throws HEARTH_E_SKILL_INVALID naming the key path and reason. */
export function parseManifest(raw: unknown): SkillManifest {
  const res = manifestSchema.safeParse(raw);
  if (!res.success) {
    const why = res.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new HearthError(ErrorCode.skillInvalid, `invalid skill manifest: ${why}`, 400);
  }
  return res.data;
}

/** Reads `skill.json`, `skill.yaml` or `skill.yml` from a skill folder. */
export async function readManifest(dir: string): Promise<SkillManifest> {
  for (const file of ['skill.json', 'skill.yaml', 'skill.yml']) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    let raw: unknown;
    try {
      const text = await readFile(path, 'utf8');
      raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      const why =
        (err as NodeJS.ErrnoException).code === 'EISDIR'
          ? 'a folder, not a file'
          : `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}`;
      throw new HearthError(ErrorCode.skillInvalid, `${file} is ${why}`, 400, { cause: err });
    }
    return parseManifest(raw);
  }
  throw new HearthError(ErrorCode.skillInvalid, 'no skill.json or skill.yaml at the top of the skill', 400);
}

/** Orders semantic versions (pre-release tags sort before their release). */
export function compareVersions(a: string, b: string): number {
  const split = (v: string) => {
    // Only the first '-' ends the core: "1.0.0-rc-2" has the pre-release "rc-2".
    const dash = v.indexOf('-');
    const core = dash < 0 ? v : v.slice(0, dash);
    return { nums: core.split('.').map(Number), pre: dash < 0 ? undefined : v.slice(dash + 1) };
  };
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  // Semver precedence: dot-separated identifiers, numeric ones compared as numbers ("beta.2" < "beta.10").
  const xs = x.pre.split('.');
  const ys = y.pre.split('.');
  for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
    const p = xs[i];
    const q = ys[i];
    if (p === q) continue;
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}
