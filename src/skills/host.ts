/**
 * The skill host: loads built-in, static, configured (MCP) and uploaded skills, offers their
 * tools to the engine (`ToolHost`) and runs calls with a timeout, logging and counters. Uploads
 * are installed, upgraded, disabled and removed while Hearth runs.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, realpath, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import type { ReplyTarget } from '../core/message.js';
import type { ToolCall, ToolSpec } from '../core/model-provider.js';
import type { BlobStore, SessionStore } from '../core/stores.js';
import { builtinDataDir, type BuiltinDeps, type CanvasService } from './builtin/builtin-skill.js';
import type { ToolContext, ToolHost, ToolResult } from '../core/tools.js';
import { builtinSkills } from './builtin/index.js';
import { checkSkillConfig } from './config-check.js';
import { checkSignature } from './install/signature.js';
import { readInstalled, writeInstalled, type InstalledSkills } from './install/installed-skills.js';
import { compareVersions, parseManifest, readManifest, type SkillManifest, type ToolDeclaration } from './manifest.js';
import { createRuntime, type RuntimeEnvironment } from './runtime-factory.js';
import type { SkillRuntime } from './runtime.js';
import { InProcessRuntime } from './runtimes/in-process/index.js';
import { buildCatalog, isRelevant, type CatalogEntry } from './tool-catalog.js';

export type SkillsSettings = HearthConfig['skills'];

export interface SkillHostDeps {
  dataDir: string;
  log: Logger;
  sessions: SessionStore;
  deliver: (target: ReplyTarget, text: string) => Promise<void>;
  /** The skills an agent may use; when given, calls to other skills are refused. */
  agentSkills?: (agent: string) => readonly string[] | undefined;
  /** Services handed to the built-ins that need them (canvas rooms, blob storage for attachments). */
  canvas?: CanvasService;
  blobs?: BlobStore;
  /** The home hub's device names, for the MQTT and Home Assistant built-ins. */
  home?: HearthConfig['home'];
  /** Where the memory built-in keeps a conversation's memories (the history store). */
  memories?: BuiltinDeps['memories'];
}

export type SkillSource = 'builtin' | 'static' | 'config' | 'uploaded';

/** What `list()` and the admin API show about one skill. */
export interface SkillInfo {
  name: string;
  version: string;
  description: string;
  runtime: string;
  source: SkillSource;
  enabled: boolean;
  state: string;
  tools: string[];
  restarts: number;
  calls: number;
  errors: number;
  timeouts: number;
  error?: string;
}

interface LoadedSkill {
  manifest: SkillManifest;
  source: SkillSource;
  /** Folder of the skill's files (none for built-ins and configured MCP servers). */
  dir?: string;
  /** Makes a fresh runtime (used at start, enable and restart). */
  makeRuntime: () => Promise<SkillRuntime>;
  runtime?: SkillRuntime;
  enabled: boolean;
  error?: string;
  stats: { calls: number; errors: number; timeouts: number };
}

class CallTimeout extends Error {}

/** Cuts a tool result that would flood the model's context. */
function capResult(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[cut: ${text.length - max} more characters]`;
}

/** Missing required arguments, as a message the model can fix, or undefined. */
function missingArguments(tool: ToolDeclaration, args: Record<string, unknown>): string | undefined {
  const required = (tool.parameters.required as string[] | undefined) ?? [];
  const missing = required.filter((k) => args[k] === undefined);
  return missing.length ? `missing required argument(s): ${missing.join(', ')}` : undefined;
}

export class SkillHost implements ToolHost {
  private readonly skills = new Map<string, LoadedSkill>();
  /** The last tool catalog and the skills' tool lists it was built from. */
  private built?: {
    from: ReadonlyArray<{ name: string; tools: readonly ToolDeclaration[] }>;
    catalog: Map<string, CatalogEntry>;
  };
  private readonly skillsDir: string;
  private readonly runtimeEnv: RuntimeEnvironment;
  /** Serializes install/upgrade/enable/remove so two admin calls never interleave. */
  private mutations: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly settings: SkillsSettings,
    private readonly deps: SkillHostDeps,
  ) {
    this.skillsDir = resolve(deps.dataDir, 'skills');
    this.runtimeEnv = {
      settings,
      sidecarDir: resolve(settings.sidecarDir ?? join(deps.dataDir, 'sidecars')),
      log: deps.log,
    };
  }

  /** Loads built-ins, static skills (skills.dir), configured MCP servers and uploaded skills. */
  async start(): Promise<void> {
    await mkdir(this.skillsDir, { recursive: true });
    await rm(join(this.skillsDir, '.staging'), { recursive: true, force: true });
    for (const b of builtinSkills) {
      if (b.configured && !b.configured(this.settings)) continue;
      const dataDir = this.dataDirOf(b.manifest.name);
      const extra = b.configuredTriggers?.(this.deps.home) ?? [];
      const manifest = extra.length ? { ...b.manifest, triggers: [...b.manifest.triggers, ...extra] } : b.manifest;
      this.add(manifest, 'builtin', undefined, async () => {
        await mkdir(dataDir, { recursive: true });
        return new InProcessRuntime(
          b.create({
            dataDir,
            log: this.deps.log,
            sessions: this.deps.sessions,
            deliver: this.deps.deliver,
            settings: this.settings,
            canvas: this.deps.canvas,
            blobs: this.deps.blobs,
            home: this.deps.home,
            memories: this.deps.memories,
            runTool: (call, ctx) => this.execute(call, ctx),
          }),
        );
      });
    }
    if (this.settings.dir) await this.loadStaticDir(resolve(this.settings.dir));
    for (const [name, mcp] of Object.entries(this.settings.mcp)) {
      const manifest = parseManifest({
        name,
        version: '0.0.0',
        description: mcp.description ?? `MCP server ${name}`,
        runtime: 'mcp',
        command: mcp.command,
        url: mcp.url,
        triggers: mcp.triggers,
        permissions: { env: mcp.env, hosts: mcp.hosts },
      });
      this.add(manifest, 'config', undefined, () => this.runtimeFor(manifest, process.cwd()));
    }
    const installed = await readInstalled(this.skillsDir);
    for (const [name, rec] of Object.entries(installed)) {
      const dir = join(this.skillsDir, name, rec.version);
      try {
        const manifest = await readManifest(dir);
        this.add(manifest, 'uploaded', dir, () => this.runtimeFor(manifest, dir), rec.enabled);
      } catch (err) {
        this.deps.log.error({ skill: name, err: (err as Error).message }, 'uploaded skill could not be restored');
      }
    }
    await Promise.all([...this.skills.values()].filter((s) => s.enabled).map((s) => this.startSkill(s)));
    this.deps.log.info({ skills: [...this.skills.keys()] }, 'skills loaded');
  }

  /** Destroys every skill: stops child processes, closes connections, clears timers. */
  async stop(): Promise<void> {
    await this.mutations.catch(() => undefined);
    await Promise.all([...this.skills.values()].map((s) => this.stopSkill(s)));
  }

  list(): SkillInfo[] {
    return [...this.skills.values()].map((s) => this.info(s));
  }

  /** One skill's info, or undefined. */
  get(name: string): SkillInfo | undefined {
    const s = this.skills.get(name);
    return s && this.info(s);
  }

  toolsFor(agentSkills: readonly string[], userText: string): ToolSpec[] {
    const all = agentSkills.includes('*');
    const specs: ToolSpec[] = [];
    for (const entry of this.catalog().values()) {
      const s = this.skills.get(entry.skill)!;
      if (!all && !agentSkills.includes(entry.skill)) continue;
      if (specs.some((x) => x.name === entry.exposed)) continue;
      const triggers = entry.tool.triggers ?? s.manifest.triggers;
      if (!isRelevant(triggers, userText)) continue;
      specs.push({ name: entry.exposed, description: entry.tool.description, parameters: entry.tool.parameters });
    }
    return specs;
  }

  isSensitive(toolName: string): boolean {
    return this.catalog().get(toolName)?.tool.sensitive === true;
  }

  async execute(call: ToolCall, ctx: ToolContext): Promise<ToolResult> {
    const started = Date.now();
    const entry = this.catalog().get(call.name);
    const skill = entry && this.skills.get(entry.skill);
    const finish = (outcome: string, result: ToolResult, code?: string): ToolResult => {
      const latencyMs = Date.now() - started;
      if (skill) {
        skill.stats.calls++;
        if (outcome !== 'ok') skill.stats.errors++;
        if (outcome === 'timeout') skill.stats.timeouts++;
      }
      const level = outcome === 'ok' ? 'info' : 'warn';
      this.deps.log[level](
        { skill: entry?.skill, tool: entry?.tool.name ?? call.name, latencyMs, outcome, code, agent: ctx.agent },
        'tool call',
      );
      return {
        content: capResult(result.content, this.settings.maxResultChars),
        ...(result.isError ? { isError: true } : {}),
        // Files the tool made (the canvas rendering) go to the model and out with the answer.
        ...(result.attachments?.length ? { attachments: result.attachments } : {}),
      };
    };
    if (!entry || !skill)
      return finish('unknown', { content: `unknown tool "${call.name}"`, isError: true }, ErrorCode.tool);
    const allowed = this.deps.agentSkills?.(ctx.agent);
    if (allowed && !allowed.includes('*') && !allowed.includes(skill.manifest.name)) {
      return finish(
        'refused',
        { content: `tool "${call.name}" is not enabled for this assistant`, isError: true },
        ErrorCode.forbidden,
      );
    }
    if (!skill.enabled || !skill.runtime) {
      return finish(
        'disabled',
        { content: `skill ${skill.manifest.name} is disabled`, isError: true },
        ErrorCode.skillUnavailable,
      );
    }
    let args: Record<string, unknown>;
    try {
      const parsed: unknown = call.arguments.trim() ? JSON.parse(call.arguments) : {};
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      args = parsed as Record<string, unknown>;
    } catch {
      return finish(
        'bad_arguments',
        { content: 'the tool arguments are not a valid JSON object', isError: true },
        ErrorCode.badRequest,
      );
    }
    const missing = missingArguments(entry.tool, args);
    if (missing) return finish('bad_arguments', { content: missing, isError: true }, ErrorCode.badRequest);

    const runtime = skill.runtime;
    const timeoutMs = skill.manifest.timeoutMs ?? this.settings.timeoutMs;
    const controller = new AbortController();
    const onCancel = () => controller.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onCancel, { once: true });
    const timer = setTimeout(() => controller.abort(new CallTimeout()), timeoutMs);
    // Racing the abort guarantees an answer even from a skill that ignores its signal.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    try {
      const result = await Promise.race([
        runtime.execute({ tool: entry.tool.name, arguments: args, context: ctx, signal: controller.signal }),
        aborted,
      ]);
      return finish(result.isError ? 'tool_error' : 'ok', result);
    } catch (err) {
      if (
        err instanceof CallTimeout ||
        (controller.signal.reason instanceof CallTimeout && controller.signal.aborted)
      ) {
        runtime.recover?.('timeout');
        return finish(
          'timeout',
          { content: `skill ${skill.manifest.name} did not answer within ${timeoutMs} ms`, isError: true },
          ErrorCode.skillTimeout,
        );
      }
      if (ctx.signal.aborted) return finish('cancelled', { content: 'the call was cancelled', isError: true });
      const code = err instanceof HearthError ? err.code : ErrorCode.tool;
      const message = err instanceof Error ? err.message : String(err);
      return finish('error', { content: `skill ${skill.manifest.name} failed: ${message}`, isError: true }, code);
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onCancel);
      aborted.catch(() => undefined);
    }
  }

  /**
   * Installs or upgrades a skill from a ZIP: signature, safe unpack, manifest, clash check,
   * start. Any failure leaves nothing behind and the previous version (if any) running.
   */
  install(zip: Buffer, signature?: string): Promise<SkillInfo> {
    return this.serialized(async () => {
      const signed = checkSignature(zip, signature, this.settings.signatures);
      const staging = join(this.skillsDir, '.staging', randomUUID());
      try {
        // Loaded on the first upload: the zip reader is not needed at idle.
        const { extractSkillZip } = await import('./install/zip-extract.js');
        await extractSkillZip(zip, staging, this.settings.upload);
        const manifest = await readManifest(staging);
        if (manifest.runtime === 'in-process') {
          throw new HearthError(
            ErrorCode.skillInvalid,
            'uploaded skills run out of process: use runtime http, grpc, sidecar or mcp',
            400,
          );
        }
        const old = this.skills.get(manifest.name);
        if (old && old.source !== 'uploaded') {
          throw new HearthError(
            ErrorCode.skillExists,
            `the name ${manifest.name} belongs to a ${old.source} skill`,
            409,
          );
        }
        if (old && compareVersions(manifest.version, old.manifest.version) <= 0) {
          throw new HearthError(
            ErrorCode.skillExists,
            `${manifest.name} ${old.manifest.version} is installed; upload a higher version to upgrade`,
            409,
          );
        }
        const dir = join(this.skillsDir, manifest.name, manifest.version);
        await rm(dir, { recursive: true, force: true });
        await mkdir(join(this.skillsDir, manifest.name), { recursive: true });
        await rename(staging, dir);
        const fresh = this.make(manifest, 'uploaded', dir, () => this.runtimeFor(manifest, dir), old?.enabled ?? true);
        if (fresh.enabled) {
          await this.startSkill(fresh);
          if (fresh.error) {
            await rm(dir, { recursive: true, force: true });
            if (!old) await rm(join(this.skillsDir, manifest.name), { recursive: true, force: true });
            throw new HearthError(ErrorCode.skillInvalid, `skill did not start: ${fresh.error}`, 422);
          }
        }
        this.skills.set(manifest.name, fresh);
        await this.saveInstalled({
          [manifest.name]: { version: manifest.version, enabled: fresh.enabled, installedAt: Date.now(), signed },
        });
        if (old) {
          await this.stopSkill(old);
          if (old.dir) await rm(old.dir, { recursive: true, force: true });
        }
        this.deps.log.info(
          {
            skill: manifest.name,
            version: manifest.version,
            upgradedFrom: old?.manifest.version,
            event: 'skill_installed',
          },
          'skill installed',
        );
        return this.info(fresh);
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    });
  }

  /** Turns a skill on (starting it) or off (destroying its runtime, keeping its files). */
  setEnabled(name: string, enabled: boolean): Promise<SkillInfo> {
    return this.serialized(async () => {
      const s = this.require(name);
      if (s.enabled !== enabled) {
        s.enabled = enabled;
        if (enabled) await this.startSkill(s);
        else await this.stopSkill(s);
        if (s.source === 'uploaded')
          await this.saveInstalled({ [name]: { ...(await readInstalled(this.skillsDir))[name]!, enabled } });
        this.deps.log.info(
          { skill: name, enabled, event: 'skill_toggled' },
          enabled ? 'skill enabled' : 'skill disabled',
        );
      }
      return this.info(s);
    });
  }

  /** Removes an uploaded skill: destroy, delete files, forget. */
  remove(name: string): Promise<void> {
    return this.serialized(async () => {
      const s = this.require(name);
      if (s.source !== 'uploaded')
        throw new HearthError(ErrorCode.badRequest, `${name} is a ${s.source} skill; disable it instead`, 400);
      this.skills.delete(name);
      await this.stopSkill(s);
      await this.saveInstalled({ [name]: undefined });
      await rm(join(this.skillsDir, name), { recursive: true, force: true });
      this.deps.log.info({ skill: name, event: 'skill_removed' }, 'skill removed');
    });
  }

  /**
   * The name → tool map of the enabled skills. Every turn asks for it (offered tools, each call), so
   * it is rebuilt only when the set of skills or one's tool list changed since the last build.
   */
  private catalog(): Map<string, CatalogEntry> {
    const active = [...this.skills.values()]
      .filter((s) => s.enabled && s.runtime)
      .map((s) => ({ name: s.manifest.name, tools: s.runtime!.discoveredTools?.() ?? s.manifest.tools }));
    const last = this.built;
    const same =
      last?.from.length === active.length &&
      last.from.every((s, i) => s.name === active[i].name && s.tools === active[i].tools);
    if (same) return last.catalog;
    const catalog = buildCatalog(active);
    this.built = { from: active, catalog };
    return catalog;
  }

  private async loadStaticDir(dir: string): Promise<void> {
    if (!existsSync(dir)) {
      this.deps.log.warn({ dir }, 'skills.dir does not exist');
      return;
    }
    for (const ent of await readdir(dir, { withFileTypes: true })) {
      if (!ent.isDirectory() && !ent.isSymbolicLink()) continue;
      // Real path: module resolution and Node's permission grants both work on real paths.
      const skillDir = await realpath(join(dir, ent.name));
      try {
        const manifest = await readManifest(skillDir);
        if (this.skills.has(manifest.name)) throw new Error(`duplicate skill name ${manifest.name}`);
        this.add(manifest, 'static', skillDir, () => this.runtimeFor(manifest, skillDir));
      } catch (err) {
        this.deps.log.error({ dir: skillDir, err: (err as Error).message }, 'static skill not loaded');
      }
    }
  }

  private runtimeFor(manifest: SkillManifest, skillDir: string): Promise<SkillRuntime> {
    return createRuntime(manifest, skillDir, this.dataDirOf(manifest.name), this.runtimeEnv);
  }

  private dataDirOf(name: string): string {
    return builtinDataDir(this.deps.dataDir, name);
  }

  private make(
    manifest: SkillManifest,
    source: SkillSource,
    dir: string | undefined,
    makeRuntime: () => Promise<SkillRuntime>,
    enabled = true,
  ): LoadedSkill {
    return { manifest, source, dir, makeRuntime, enabled, stats: { calls: 0, errors: 0, timeouts: 0 } };
  }

  private add(
    manifest: SkillManifest,
    source: SkillSource,
    dir: string | undefined,
    makeRuntime: () => Promise<SkillRuntime>,
    enabled = true,
  ): void {
    this.skills.set(manifest.name, this.make(manifest, source, dir, makeRuntime, enabled));
  }

  /** Starts a skill's runtime; a failure is recorded on the skill (and logged), never thrown. */
  private async startSkill(s: LoadedSkill): Promise<void> {
    s.error = undefined;
    let runtime: SkillRuntime | undefined;
    try {
      const config = this.settings.config[s.manifest.name] ?? {};
      checkSkillConfig(s.manifest, config);
      await mkdir(this.dataDirOf(s.manifest.name), { recursive: true });
      runtime = await s.makeRuntime();
      await runtime.start(config);
      s.runtime = runtime;
    } catch (err) {
      s.error = err instanceof Error ? err.message : String(err);
      await runtime?.stop().catch(() => undefined);
      this.deps.log.error(
        { skill: s.manifest.name, err: s.error, event: 'skill_start_failed' },
        'skill failed to start',
      );
    }
  }

  private async stopSkill(s: LoadedSkill): Promise<void> {
    const runtime = s.runtime;
    s.runtime = undefined;
    await runtime
      ?.stop()
      .catch((err: unknown) =>
        this.deps.log.warn({ skill: s.manifest.name, err: (err as Error).message }, 'skill stop failed'),
      );
  }

  private require(name: string): LoadedSkill {
    const s = this.skills.get(name);
    if (!s) throw new HearthError(ErrorCode.notFound, `no skill named ${name}`, 404);
    return s;
  }

  private async saveInstalled(changes: Record<string, InstalledSkills[string] | undefined>): Promise<void> {
    const record = await readInstalled(this.skillsDir);
    for (const [name, value] of Object.entries(changes)) {
      if (value) record[name] = value;
      else delete record[name];
    }
    await writeInstalled(this.skillsDir, record);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutations.then(fn);
    this.mutations = run.catch(() => undefined);
    return run;
  }

  private info(s: LoadedSkill): SkillInfo {
    const tools = s.runtime?.discoveredTools?.() ?? s.manifest.tools;
    return {
      name: s.manifest.name,
      version: s.manifest.version,
      description: s.manifest.description,
      runtime: s.manifest.runtime,
      source: s.source,
      enabled: s.enabled,
      state: !s.enabled ? 'disabled' : s.error ? 'failed' : (s.runtime?.state() ?? 'stopped'),
      tools: tools.map((t) => t.name),
      restarts: s.runtime?.restarts() ?? 0,
      ...s.stats,
      ...(s.error ? { error: s.error } : {}),
    };
  }
}
