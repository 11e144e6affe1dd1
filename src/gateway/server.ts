/**
 * The composition root of the all-in-one shape: opens the stores, builds the model registry, the
 * engine, the channels and the HTTP/WebSocket gateway, and owns their shutdown. Only this file knows
 * every adapter.
 */
import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Bus, ControlMessage } from '../core/bus.js';
import type { Channel, ChannelContext } from '../core/channel.js';
import { loadConfig, type LoadedConfig } from '../core/config-load.js';
import { modelSpecSchema, type HearthConfig, type ModelSpec } from '../core/config.js';
import { ErrorCode } from '../core/errors.js';
import type { ReplyTarget } from '../core/message.js';
import { createBus } from '../bus/index.js';
import { canvasRoutes, openCanvas, type Canvas } from '../canvas/index.js';
import { ApiChannel } from '../channels/api/index.js';
import type { ChannelBaseConfig } from '../channels/common-config.js';
import { loadChannelsFile } from '../channels/load.js';
import { channelLoaders } from '../channels/registry.js';
import { WebChatChannel } from '../channels/webchat/index.js';
import { Engine, errorSummary } from '../engine/engine.js';
import { findPulledModel } from '../engine/model-pull.js';
import { ModelRegistry, type ProviderFactory } from '../engine/model-registry.js';
import { Metrics } from '../ops/metrics.js';
import { createSecurity, logRedaction, valueCipher, type Security } from '../security/index.js';
import { BUILTIN_SKILLS, createSkillHost, registerSkillRoutes, type SkillHost } from '../skills/index.js';
import { EncryptingHistoryStore } from '../storage/history/encrypted.js';
import { openStores, type Stores } from '../storage/index.js';
import { AccessControl } from './access.js';
import { adminRoutes } from './admin.js';
import { resolveApiToken } from './api-token.js';
import { requireRole, type Authenticator } from './auth.js';
import { buildHttpApp, protectSurfaces } from './http-app.js';
import { InboundPipeline, type ChannelPolicy } from './pipeline.js';
import { WebApps } from './web-apps.js';
import { VoiceNotes } from './voice-notes.js';

/** A process runs the gateway (HTTP, channels), the engine (model calls), or both. */
export type Role = 'gateway' | 'engine';

/** The repository root (where `web/` lives), from `dist/src/gateway/`. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface HearthOptions {
  loaded: LoadedConfig;
  env?: Record<string, string | undefined>;
  log?: Logger;
  /** Which parts run in this process; both by default (`hearth start`). */
  roles?: Role[];
  /** Tests and benchmarks inject provider factories (e.g. an instant in-process model). */
  loadProvider?: ConstructorParameters<typeof ModelRegistry>[0]['loadFactory'];
}

/** The root logger: JSON lines, secrets masked (known tokens, bearer headers, keys, passwords). */
export function createLogger(level: HearthConfig['log']['level'], knownSecrets: readonly string[] = []): Logger {
  return pino({
    level,
    base: undefined,
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    ...logRedaction(knownSecrets),
  });
}

/**
 * The model catalog: configured models plus those added through the admin API, or a pulled local
 * model when there are none.
 */
export function effectiveCatalog(
  config: HearthConfig,
  added: Record<string, ModelSpec> = {},
): { catalog: Record<string, ModelSpec>; default?: string } {
  const catalog = { ...config.models.catalog, ...added };
  let defaultId = config.models.default;
  if (Object.keys(catalog).length === 0) {
    const local = findPulledModel(resolve(config.dataDir));
    if (local) {
      catalog.local = { provider: 'embedded', model: local };
      defaultId = 'local';
    }
  }
  return { catalog, default: defaultId };
}

const ADDED_MODEL_PREFIX = 'model:';

/** Models added through the admin API in earlier runs. A damaged entry is logged and skipped. */
async function loadAddedModels(security: Security, log: Logger): Promise<Record<string, ModelSpec>> {
  const out: Record<string, ModelSpec> = {};
  for (const name of await security.secrets.names()) {
    if (!name.startsWith(ADDED_MODEL_PREFIX)) continue;
    try {
      out[name.slice(ADDED_MODEL_PREFIX.length)] = modelSpecSchema.parse(JSON.parse((await security.secrets.get(name)) ?? ''));
    } catch (err) {
      log.error({ model: name, errorCode: ErrorCode.config, err: errorSummary(err) }, 'a stored model could not be read; skipped');
    }
  }
  return out;
}

export class Hearth {
  readonly log: Logger;
  private config: HearthConfig;
  private stores?: Stores;
  private app?: FastifyInstance;
  private engine?: Engine;
  private models?: ModelRegistry;
  private skills?: SkillHost;
  private readonly voiceNotes: VoiceNotes;
  /** Models added through the admin API; persisted encrypted (their API keys are secrets). */
  private addedModels: Record<string, ModelSpec> = {};
  private metrics?: Metrics;
  private canvas?: Canvas;
  private bus!: Bus;
  private channels: Channel[] = [];
  private policies = new Map<string, ChannelPolicy>();
  private watcher?: FSWatcher;
  private draining = false;
  private stopping?: Promise<void>;
  private readonly roles: Set<Role>;
  private security?: Security;
  private readonly token: ReturnType<typeof resolveApiToken>;
  url = '';
  apiToken = '';

  constructor(private readonly options: HearthOptions) {
    this.config = options.loaded.config;
    this.token = resolveApiToken(this.config.server.apiToken, resolve(this.config.dataDir));
    this.apiToken = this.token.token;
    this.log = options.log ?? createLogger(this.config.log.level, [this.token.token]);
    this.roles = new Set(options.roles ?? ['gateway', 'engine']);
    this.voiceNotes = new VoiceNotes(() => this.config, () => this.stores!.blobs, this.log);
  }

  /** Opens everything and starts listening. Resolves once `/readyz` would answer 200. */
  async start(): Promise<void> {
    const config = this.config;
    const dataDir = resolve(config.dataDir);
    const log = this.log;
    const env = this.options.env ?? process.env;

    const channelsFile = loadChannelsFile(config.channels, env);
    const stores = (this.stores = await openStores(config));
    const token = this.token;
    if (token.generated) log.info({ file: token.file }, 'generated an API token (HEARTH_API_TOKEN was not set); it is in this file');
    const security = (this.security = await createSecurity(config.security, {
      dataDir,
      log,
      apiToken: token.token,
      redisUrl: env.REDIS_URL,
      env,
    }));
    const auth: Authenticator = security.authenticator;
    if (security.encryptMessageBodies) stores.history = new EncryptingHistoryStore(stores.history, valueCipher(security.crypto));

    const models = (this.models = new ModelRegistry({
      dataDir,
      log,
      breaker: config.models.breaker,
      loadFactory: this.options.loadProvider as ((k: ModelSpec['provider']) => Promise<ProviderFactory>) | undefined,
    }));
    this.addedModels = await loadAddedModels(security, log);
    const catalog = effectiveCatalog(config, this.addedModels);
    models.configure(catalog.catalog, catalog.default, config.models.fallback);
    if (!models.default) log.warn({ errorCode: ErrorCode.noModel }, 'no model configured: set MODEL_ENDPOINT, an API key, models.catalog, or run `hearth models pull`');

    this.bus = await createBus(config, log);
    this.bus.subscribeControl((message) => this.applyControl(message));
    if (config.canvas.enabled) this.canvas = openCanvas(config.canvas, { dataDir, bus: this.bus, log });
    this.metrics = new Metrics({
      queueDepth: () => this.bus.queueDepth?.() ?? this.bus.pending(),
      channels: () => this.channels.map((c) => ({ name: c.name, state: c.status().state })),
      skills: () => this.skills?.list() ?? [],
    });
    if (this.roles.has('engine')) {
      const skills = (this.skills = await createSkillHost(config.skills, {
        dataDir,
        log: log.child({ component: 'skills' }),
        sessions: stores.sessions,
        deliver: (target, text) => this.deliverText(target, text),
        agentSkills: (agent) => this.agentSkills(agent),
        blobs: stores.blobs,
        canvas: this.canvas && { rooms: this.canvas.rooms, roomUrl: (room) => `${config.canvas.publicUrl?.replace(/\/$/, '') ?? this.url}/canvas/${room}` },
      }));
      await skills.start();
      this.engine = new Engine({
        metrics: this.metrics,
        bus: this.bus,
        history: stores.history,
        blobs: stores.blobs,
        models,
        tools: skills,
        defaultSkills: (agent) => this.agentSkills(agent),
        log,
        config: () => this.config,
      });
      this.engine.start();
    }
    const tls = security.tlsOptions();
    const app = (this.app = buildHttpApp(config, log, () => this.draining, tls));
    this.healthRoutes(app);
    if (this.roles.has('gateway')) await this.startGateway(app, { auth, models, stores, dataDir, channelsFile, security });

    await app.listen({ host: config.server.host, port: config.server.port });
    if (tls) security.watchCertificates(app.server as unknown as Parameters<Security['watchCertificates']>[0]);
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.server.port;
    const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
    this.url = `${tls ? 'https' : 'http'}://${host}:${port}`;
    log.info({ url: this.url, roles: [...this.roles], models: models.list().map((m) => m.id), default: models.default ?? null }, 'listening');
    this.watchConfig();
  }

  /** Channels, the inbound pipeline, the web chat and the admin API. */
  private async startGateway(
    app: FastifyInstance,
    deps: {
      auth: Authenticator;
      models: ModelRegistry;
      stores: Stores;
      dataDir: string;
      channelsFile: ReturnType<typeof loadChannelsFile>;
      security: Security;
    },
  ): Promise<void> {
    const { auth, models, stores, dataDir, channelsFile, security } = deps;
    const config = this.config;
    const log = this.log;

    const access = new AccessControl(stores.history);
    const pipeline = new InboundPipeline({
      bus: this.bus,
      access,
      log,
      routes: () => this.config.routes,
      policy: (name) => this.policies.get(name),
      accepting: () => !this.draining,
      senderLimit: (channel, senderId) => security.hitSender(channel, senderId),
      enrich: (m) => this.voiceNotes.transcribe(m),
    });

    const loopback = ['127.0.0.1', '::1', 'localhost'].includes(config.server.host);
    const webchatAuth = config.webchat.auth === 'auto' ? (loopback ? 'open' : 'token') : config.webchat.auth;
    const builtins: Channel[] = [new ApiChannel({ auth, listModels: () => models.list() })];
    if (config.webchat.enabled) {
      builtins.push(new WebChatChannel({ auth, requireAuth: webchatAuth === 'token', history: stores.history, maxPayload: config.server.bodyLimit }));
    }
    if (config.voice.enabled) {
      // Loaded only when enabled: WebRTC, Opus and RNNoise cost start-up time and memory.
      const { createVoiceChannel } = await import('../voice/index.js');
      const voiceAuth = config.voice.auth === 'auto' ? (loopback ? 'open' : 'token') : config.voice.auth;
      builtins.push(createVoiceChannel(config.voice, { auth, requireAuth: voiceAuth === 'token', log: log.child({ channel: 'voice' }), dataDir }));
    }
    // The API is limited per token on the HTTP side; the web chat and voice send many messages over one connection.
    for (const c of builtins) this.policies.set(c.name, { trusted: true, limitSenders: c.name !== 'api', requireMention: false });
    this.channels = [...builtins, ...(await this.loadChannels(channelsFile, dataDir))];

    // Before the protections: its hooks mark upgrade requests and close the socket of one a protection refuses.
    await app.register(fastifyWebsocket, { options: { maxPayload: config.server.bodyLimit } });
    const voiceOpen = config.voice.enabled && (config.voice.auth === 'open' || (config.voice.auth === 'auto' && loopback));
    protectSurfaces(app, security, log, {
      allowedOrigins: config.server.allowedOrigins,
      allowedHosts: config.server.allowedHosts,
      // DNS rebinding matters where a surface answers without credentials; on loopback every real client uses an IP or localhost.
      checkHost: loopback || webchatAuth === 'open' || voiceOpen || !!this.canvas?.isOpen(loopback) || config.server.allowedHosts.length > 0,
    });
    await security.register(app);
    security.protectAdminRoutes(app);
    if (config.webchat.enabled) await this.webRoutes(app);
    const webApps = new WebApps(join(ROOT, 'dist', 'web'));
    if (this.canvas) {
      webApps.registerAssets(app);
      await canvasRoutes(app, this.canvas.routeDeps({ auth, loopback, sendPage: (reply) => webApps.sendPage(reply, 'canvas') }));
    }
    await adminRoutes(app, {
      auth,
      models,
      history: stores.history,
      access,
      channels: () => this.channels,
      fallback: () => this.config.models.fallback,
      saveModel: async (id, spec) => {
        await security.secrets.set(`${ADDED_MODEL_PREFIX}${id}`, JSON.stringify(spec));
        this.addedModels[id] = spec;
        models.put(id, spec);
      },
      removeModel: async (id) => {
        if (!(id in this.addedModels)) return false;
        await security.secrets.delete(`${ADDED_MODEL_PREFIX}${id}`);
        delete this.addedModels[id];
        const catalog = effectiveCatalog(this.config, this.addedModels);
        models.configure(catalog.catalog, models.default === id ? catalog.default : models.default, this.config.models.fallback);
        return true;
      },
      announce: (message) => this.bus.publishControl(message),
    });
    const skills = this.skills;
    if (skills) {
      await app.register(async (scope) => {
        scope.addHook('preHandler', requireRole(auth, 'operator'));
        await registerSkillRoutes(scope, skills, { uploadLimit: config.server.uploadLimit });
      });
    }
    for (const c of this.channels) await c.routes?.(app);

    for (const c of this.channels) {
      this.bus.subscribeOutbound(c.name, async (out) => {
        if (out.event.type === 'done' || out.event.type === 'error') await this.voiceNotes.settle(out.event);
        return c.deliver(out.target, out.event).catch((err) =>
          log.warn({ channel: c.name, requestId: out.event.inReplyTo, errorCode: ErrorCode.channel, err: errorSummary(err) }, 'delivery failed'),
        );
      });
      const ctx: ChannelContext = {
        receive: (m) => pipeline.receive(m),
        blobs: stores.blobs,
        sessions: stores.sessions,
        log: log.child({ channel: c.name }),
      };
      // Platforms may be down: a channel reports that in its status and retries; it never blocks start-up.
      c.start(ctx).catch((err) => log.error({ channel: c.name, errorCode: ErrorCode.channel, err: errorSummary(err) }, 'channel failed to start'));
    }
  }

  /** Follows a change another replica announced (or this one: applying it twice is harmless). */
  private async applyControl(message: ControlMessage): Promise<void> {
    const models = this.models;
    if (!models || !this.security) return;
    if (message.type === 'models.default') {
      if (models.has(message.model) && models.default !== message.model) models.setDefault(message.model);
      return;
    }
    this.addedModels = await loadAddedModels(this.security, this.log);
    const catalog = effectiveCatalog(this.config, this.addedModels);
    const keep = models.default && catalog.catalog[models.default] ? models.default : catalog.default;
    models.configure(catalog.catalog, keep, this.config.models.fallback);
  }

  /** The skills an agent may use: its config, else the built-ins for the default agent. */
  private agentSkills(agent: string): readonly string[] {
    const configured = this.config.agents[agent]?.skills;
    if (configured) return configured;
    return agent === 'default' ? BUILTIN_SKILLS : [];
  }

  /** Sends a plain text to a chat outside a turn (reminders, notices). */
  private async deliverText(target: ReplyTarget, text: string): Promise<void> {
    const id = `${target.channel}:notice:${randomUUID()}`;
    await this.bus.publishOutbound({
      target,
      event: {
        type: 'done',
        replyId: id,
        inReplyTo: id,
        conversationId: `${target.channel}:${target.chatId}`,
        text,
        attachments: [],
        model: 'hearth',
        usage: { promptTokens: 0, completionTokens: 0 },
        finishReason: 'stop',
      },
    });
  }

  private async loadChannels(file: ReturnType<typeof loadChannelsFile>, dataDir: string): Promise<Channel[]> {
    const out: Channel[] = [];
    for (const [name, cfg] of Object.entries(file) as Array<[string, ChannelBaseConfig | undefined]>) {
      if (!cfg || !cfg.enabled) continue;
      const loader = channelLoaders[name];
      const mod = await loader();
      const channel = await mod.createChannel(cfg as never, { log: this.log.child({ channel: name }), dataDir, cipher: this.security?.crypto });
      this.policies.set(name, { trusted: false, limitSenders: true, allowFrom: cfg.allowFrom, requireMention: cfg.requireMention, agent: cfg.agent });
      out.push(channel);
    }
    return out;
  }

  private healthRoutes(app: FastifyInstance): void {
    app.get('/healthz', async () => ({ status: 'ok' }));
    // Prometheus scrapes without credentials; keep /metrics off untrusted networks (security.ipAllowlist.admin covers it).
    app.get('/metrics', async (_req, reply) => {
      const registry = this.metrics!.registry;
      return reply.header('content-type', registry.contentType).send(await registry.metrics());
    });
    app.get('/readyz', async (_req, reply) => {
      const channels = Object.fromEntries(this.channels.map((c) => [c.name, c.status()]));
      const ready = !this.draining && this.stores !== undefined;
      reply.code(ready ? 200 : 503);
      return { status: ready ? 'ready' : 'draining', model: this.models?.default ?? null, channels };
    });
  }

  private async webRoutes(app: FastifyInstance): Promise<void> {
    const web = join(ROOT, 'web');
    const files: Record<string, [string, string]> = {
      '/': ['index.html', 'text/html; charset=utf-8'],
      '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
      '/page.js': ['page.js', 'text/javascript; charset=utf-8'],
      '/style.css': ['style.css', 'text/css; charset=utf-8'],
    };
    for (const [route, [name, type]] of Object.entries(files)) {
      const body = await readFile(join(web, name));
      app.get(route, async (_req, reply) => reply.header('content-type', type).header('cache-control', 'no-cache').send(body));
    }
  }

  /** Re-reads the config file on change: models, agents and routes switch live; a bad edit is logged and ignored. */
  private watchConfig(): void {
    const file = this.options.loaded.file;
    if (!file) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      this.watcher = watch(file, () => {
        clearTimeout(timer);
        timer = setTimeout(() => this.reloadConfig(file), 150);
      });
      this.watcher.on('error', () => undefined);
    } catch (err) {
      this.log.warn({ err: errorSummary(err) }, 'cannot watch the config file; edits need a restart');
    }
  }

  private reloadConfig(file: string): void {
    try {
      const { config } = loadConfig({ file, env: this.options.env ?? process.env });
      this.config = config;
      const catalog = effectiveCatalog(config, this.addedModels);
      this.models?.configure(catalog.catalog, catalog.default, config.models.fallback);
      this.log.info({ default: this.models?.default ?? null }, 'config reloaded');
    } catch (err) {
      this.log.error({ errorCode: ErrorCode.config, err: errorSummary(err) }, 'config change rejected; keeping the running config');
    }
  }

  /**
   * Graceful stop: refuse new work, let in-flight answers finish (up to the drain timeout), then
   * close the server, channels, models and stores.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const log = this.log;
    this.draining = true;
    this.watcher?.close();
    const pending = this.bus?.pending() ?? 0;
    if (pending > 0) log.info({ pending }, 'draining in-flight answers');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      (this.bus?.drain() ?? Promise.resolve()).then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), this.config.server.drainTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      log.warn({ pending: this.bus.pending() }, 'drain timed out; aborting in-flight answers');
      this.engine?.abortAll();
      await this.bus?.drain();
    }
    await Promise.allSettled(this.channels.map((c) => c.stop()));
    await this.skills?.stop();
    await this.app?.close();
    await this.canvas?.close();
    await this.security?.close();
    await this.models?.close();
    await this.bus?.close();
    await this.stores?.close();
    log.info('stopped');
  }
}
