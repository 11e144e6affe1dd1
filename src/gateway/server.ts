/**
 * The composition root: opens the stores, builds the security module, the model registry, the
 * engine, the channels and the inbound pipeline, mounts the gateway's plugins on the HTTP app, and
 * owns their shutdown. It implements no feature itself: each feature is a plugin under plugins/
 * (see plugin.ts and docs/architecture.md).
 */
import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Bus } from '../core/bus.js';
import type { Channel, ChannelContext } from '../core/channel.js';
import { ConfigError, formatProblem, loadConfig, type LoadedConfig } from '../core/config-load.js';
import type { HearthConfig, ModelSpec } from '../core/config.js';
import { ErrorCode, errorSummary } from '../core/errors.js';
import { doneEvent, type Message, type ReplyTarget } from '../core/message.js';
import { createBus } from '../bus/index.js';
import { openCanvas, type Canvas } from '../canvas/index.js';
import { loadChannelsFile } from '../channels/load.js';
import { channelDefinition } from '../channels/definitions.js';
import { Approvals } from '../approvals/approvals.js';
import { Budgets } from '../engine/budgets.js';
import { Engine } from '../engine/engine.js';
import { ModelRegistry, type ProviderFactory } from '../engine/model-registry.js';
import { engineKnowledge, openKnowledgeBase, type KnowledgeBase } from '../knowledge/index.js';
import { Metrics } from '../ops/metrics.js';
import { startTracing, tracedBus, tracedModels, tracedReceive, tracedTools, type Tracing } from '../ops/tracing.js';
import { createSecurity, valueCipher, type Security } from '../security/index.js';
import { configSecrets, resolveSecretRefs } from '../security/secret-refs.js';
import { createSkillHost, type SkillHost } from '../skills/index.js';
import { EncryptingHistoryStore } from '../storage/history/encrypted.js';
import { openStores, type Stores } from '../storage/index.js';
import { resolveApiToken } from './api-token.js';
import { builtinChannels, builtinPolicy, onLoopback, platformChannels, surfaceAuth } from './channels.js';
import { buildHttpApp } from './http-app.js';
import { createLogger } from './logger.js';
import { AccessControl } from './pipeline/access.js';
import { InboundPipeline, type ChannelPolicy } from './pipeline/pipeline.js';
import { mountPlugins, type GatewayDeps, type GatewayPlugin } from './plugin.js';
import { adminApiPlugin } from './plugins/admin-api.js';
import { approvalsPlugin } from './plugins/approvals.js';
import { usagePlugin } from './plugins/usage.js';
import { statsPlugin } from './plugins/stats.js';
import { canvasPlugin } from './plugins/canvas.js';
import { channelRoutesPlugin } from './plugins/channel-routes.js';
import { consolePlugin } from './plugins/console.js';
import { healthPlugin } from './plugins/health.js';
import { backupSchedulePlugin } from './plugins/backup-schedule.js';
import { knowledgePlugin } from './plugins/knowledge.js';
import { AddedModels, modelsPlugin } from './plugins/models/index.js';
import { modelCheckPlugin } from './plugins/models/model-check.js';
import { AgentSkillChoices, agentsPlugin } from './plugins/agents/index.js';
import { openapiPlugin } from './plugins/openapi.js';
import { protectionsPlugin } from './plugins/protections.js';
import { securityRoutesPlugin } from './plugins/security-routes.js';
import { skillsAdminPlugin } from './plugins/skills-admin.js';
import { webUiPlugin } from './plugins/web-ui.js';
import { webAppsPlugin } from './plugins/web-apps.js';
import { VoiceNotes } from './voice-notes.js';
import { UserData } from '../privacy/user-data.js';
import { Retention, retentionPolicy } from '../privacy/retention.js';
import { notesData } from '../skills/builtin/notes/index.js';
import { remindersData } from '../skills/builtin/reminders/index.js';

/** A process runs the gateway (HTTP, channels), the engine (model calls), or both. */
export type ProcessRole = 'gateway' | 'engine';

export interface HearthOptions {
  loaded: LoadedConfig;
  env?: Record<string, string | undefined>;
  log?: Logger;
  /** Which parts run in this process; both by default (`hearth start`). */
  roles?: ProcessRole[];
  /** Tests and benchmarks inject provider factories (e.g. an instant in-process model). */
  loadProvider?: ConstructorParameters<typeof ModelRegistry>[0]['loadFactory'];
  /** Feature plugins mounted after the built-in ones (in the gateway role). */
  plugins?: GatewayPlugin[];
  /** Tests hand a channel its test hooks by name (e.g. `whatsapp: { makeSocket }`, a fake Baileys socket). */
  channelTesting?: Record<string, unknown>;
}

/**
 * The gateway's plugins in mounting order. Order matters only where one plugin looks at another's
 * routes (none today: the voice page serves its own `/page.js` and `/style.css`).
 */
export function gatewayPlugins(config: HearthConfig, channels: readonly Channel[]): GatewayPlugin[] {
  return [
    // First: it collects the routes every later plugin registers.
    openapiPlugin,
    healthPlugin,
    securityRoutesPlugin,
    ...(config.webchat.enabled ? [webUiPlugin] : []),
    webAppsPlugin,
    canvasPlugin,
    adminApiPlugin,
    modelsPlugin,
    modelCheckPlugin,
    agentsPlugin,
    skillsAdminPlugin,
    knowledgePlugin,
    consolePlugin,
    approvalsPlugin,
    usagePlugin,
    statsPlugin,
    backupSchedulePlugin,
    ...channels.filter((c) => c.routes).map(channelRoutesPlugin),
  ];
}

export class Hearth {
  readonly log: Logger;
  private config: HearthConfig;
  private loaded: LoadedConfig;
  /** Why the last edit of hearth.yml was refused (shown in the console), cleared by an accepted one. */
  private configRejection?: { at: string; problems: string[] };
  private stores?: Stores;
  private app?: FastifyInstance;
  private engine?: Engine;
  private models?: ModelRegistry;
  private addedModels?: AddedModels;
  private agentSkillChoices?: AgentSkillChoices;
  private skills?: SkillHost;
  private knowledge?: KnowledgeBase;
  private canvas?: Canvas;
  private retention?: Retention;
  private bus?: Bus;
  private tracing?: Tracing;
  private channels: Channel[] = [];
  private readonly policies = new Map<string, ChannelPolicy>();
  private watcher?: FSWatcher;
  private draining = false;
  private stopping?: Promise<void>;
  private readonly roles: Set<ProcessRole>;
  private security?: Security;
  private readonly token: ReturnType<typeof resolveApiToken>;
  /** Every route the HTTP app serves, as registered (tests walk them; an OpenAPI document can too). */
  readonly routes: Array<{ method: string; url: string; role?: string; responseSchema: boolean }> = [];
  url = '';
  apiToken = '';

  constructor(private readonly options: HearthOptions) {
    this.loaded = withSecrets(options.loaded, options.env ?? process.env, options.log);
    this.config = this.loaded.config;
    this.token = resolveApiToken(this.config.server.apiToken, resolve(this.config.dataDir));
    this.apiToken = this.token.token;
    this.log = options.log ?? createLogger(this.config.log.level, [this.token.token], this.config.log.format);
    this.roles = new Set(options.roles ?? ['gateway', 'engine']);
  }

  /** Opens everything and starts listening. Resolves once `/readyz` would answer 200. */
  async start(): Promise<void> {
    const config = this.config;
    const dataDir = resolve(config.dataDir);
    const log = this.log;
    const env = this.options.env ?? process.env;

    const channelsFile = withChannelSecrets(config, loadChannelsFile(config.channels, env), env, log);
    const stores = (this.stores = await openStores(config));
    if (this.token.generated)
      log.info({ file: this.token.file }, 'generated an API token (HEARTH_API_TOKEN was not set); it is in this file');
    const security = (this.security = await createSecurity(config.security, {
      dataDir,
      log,
      apiToken: this.token.token,
      redisUrl: env.REDIS_URL,
      env,
    }));
    if (security.encryptMessageBodies)
      stores.history = new EncryptingHistoryStore(stores.history, valueCipher(security.crypto));

    const models = (this.models = new ModelRegistry({
      dataDir,
      log,
      breaker: config.models.breaker,
      loadFactory: this.options.loadProvider as ((k: ModelSpec['provider']) => Promise<ProviderFactory>) | undefined,
    }));
    const addedModels = (this.addedModels = new AddedModels({
      secrets: security.secrets,
      models,
      config: () => this.config,
      log,
    }));
    await addedModels.load();
    const agentSkillChoices = (this.agentSkillChoices = new AgentSkillChoices({
      secrets: security.secrets,
      config: () => this.config,
      log,
    }));
    await agentSkillChoices.load();
    if (!models.default)
      log.warn(
        { errorCode: ErrorCode.noModel },
        'no model configured: set MODEL_ENDPOINT, an API key, models.catalog, or run `hearth models pull`',
      );

    // Knowledge base: documents are ingested where they are uploaded (the gateway); every role retrieves.
    const knowledge = (this.knowledge = await openKnowledgeBase(() => this.config, {
      blobs: stores.blobs,
      log: log.child({ component: 'knowledge' }),
      env,
    }));
    if (this.roles.has('gateway')) await knowledge.start();

    const tracing = (this.tracing = await startTracing(config.tracing, [...this.roles].join('+')));
    const rawBus = await createBus(config, log);
    const bus = (this.bus = tracing ? tracedBus(tracing.tracer, rawBus) : rawBus);
    bus.subscribeControl((message) => addedModels.apply(message));
    bus.subscribeControl((message) => (message.type === 'agents.skills' ? agentSkillChoices.load() : undefined));
    const metrics = new Metrics({
      canvas: () => this.canvas?.rooms.stats(),
      queueDepth: () => bus.queueDepth?.() ?? bus.pending(),
      channels: () => this.channels.map((c) => ({ name: c.name, state: c.status().state })),
      skills: () => this.skills?.list() ?? [],
      ready: () => !this.draining,
      breakers: () => models.list().map((m) => ({ model: m.id, state: m.breaker })),
      volumes: () => ({ data: dataDir, models: join(dataDir, 'models') }),
    });
    const canvas = (this.canvas = config.canvas.enabled
      ? openCanvas(config.canvas, { dataDir, bus, log, metrics })
      : undefined);
    const agentSkills = (agent: string) =>
      agentSkillChoices.skillsOf(agent, () => this.skills?.list().map((s) => s.name) ?? []);
    const agentModel = (agent: string) => {
      const chosen = addedModels.agentModel(agent);
      return chosen.source === 'admin' ? chosen.model : undefined;
    };
    const approvals = new Approvals({
      sessions: stores.sessions,
      audit: (entry) => security.audit.record(entry),
      expiresMinutes: () => this.config.approvals.expiresMinutes,
      buttons: (channel) => channelDefinition(channel)?.capabilities.buttons ?? false,
    });
    const budgets = new Budgets({ sessions: stores.sessions, config: () => this.config });
    if (this.roles.has('engine')) {
      const skills = (this.skills = await createSkillHost(config.skills, {
        dataDir,
        log: log.child({ component: 'skills' }),
        sessions: stores.sessions,
        deliver: (target, text) => this.deliverText(target, text),
        agentSkills,
        blobs: stores.blobs,
        home: config.home,
        memories: stores.history,
        canvas: canvas && {
          rooms: canvas.rooms,
          roomUrl: (room) => `${config.canvas.publicUrl?.replace(/\/$/, '') ?? this.url}/canvas/${room}`,
        },
      }));
      await skills.start();
      this.engine = new Engine({
        metrics,
        bus,
        history: stores.history,
        blobs: stores.blobs,
        models: tracing ? tracedModels(tracing.tracer, models) : models,
        tools: tracing ? tracedTools(tracing.tracer, skills) : skills,
        agentSkills,
        agentModel,
        approvals,
        budgets,
        knowledge: engineKnowledge(knowledge, () => this.config),
        log,
        config: () => this.config,
      });
      this.engine.start();
    }

    const tls = security.tlsOptions();
    const app = (this.app = buildHttpApp(config, log, () => this.draining, tls));
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat())
        this.routes.push({
          method,
          url: route.url,
          role: (route.config as { role?: string } | undefined)?.role,
          responseSchema: !!route.schema?.response,
        });
    });
    const access = new AccessControl(stores.history, stores.sessions);
    const deps: GatewayDeps = {
      config: () => this.config,
      loaded: () => this.loaded,
      configFile: this.options.loaded.file,
      configRejected: () => this.configRejection,
      log,
      dataDir,
      security,
      requireRole: (role) => security.requireRole(role),
      stores,
      models,
      addedModels,
      agentSkills: agentSkillChoices,
      bus,
      metrics,
      channels: () => this.channels,
      access,
      userData: new UserData(stores.history, stores.blobs, [
        notesData(dataDir),
        remindersData(dataDir, stores.sessions),
        access.personalData(),
      ]),
      skills: this.skills,
      knowledge,
      canvas,
      approvals,
      budgets,
      draining: () => this.draining,
    };
    if (this.roles.has('gateway')) {
      // Gateways own retention (any replica may run it: a pass deletes only what is still there).
      this.retention = new Retention({
        history: stores.history,
        blobs: stores.blobs,
        audit: (entry) => security.audit.record(entry),
        log: log.child({ component: 'retention' }),
        policy: () => retentionPolicy(this.config.privacy.retentionDays, channelsFile),
      });
      this.retention.start();
      await this.startGateway(app, deps, channelsFile);
    } else await mountPlugins(app, [healthPlugin], deps);

    await app.listen({ host: config.server.host, port: config.server.port });
    if (tls) security.watchCertificates(app.server as unknown as Parameters<Security['watchCertificates']>[0]);
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.server.port;
    const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
    this.url = `${tls ? 'https' : 'http'}://${host}:${port}`;
    log.info(
      {
        url: this.url,
        roles: [...this.roles],
        models: models.list().map((m) => m.id),
        default: models.default ?? null,
      },
      'listening',
    );
    this.watchConfig();
  }

  /** The gateway role: channels, the inbound pipeline, protections and every plugin, then the channels start. */
  private async startGateway(
    app: FastifyInstance,
    deps: GatewayDeps,
    channelsFile: ReturnType<typeof loadChannelsFile>,
  ): Promise<void> {
    const config = this.config;
    const { log, security, stores, bus } = deps;
    const builtins = await builtinChannels(config, {
      authenticator: security.authenticator,
      requireRole: deps.requireRole,
      history: stores.history,
      listModels: () => deps.models.list(),
      log,
      dataDir: deps.dataDir,
    });
    for (const c of builtins) this.policies.set(c.name, builtinPolicy(c));
    const platforms = await platformChannels(
      channelsFile,
      { log, dataDir: deps.dataDir, cipher: security.crypto },
      this.options.channelTesting,
    );
    for (const [name, policy] of platforms.policies) this.policies.set(name, policy);
    this.channels = [...builtins, ...platforms.channels];

    const voiceNotes = new VoiceNotes(
      () => this.config,
      () => stores.blobs,
      log,
    );
    const pipeline = new InboundPipeline({
      bus,
      access: deps.access,
      log,
      routes: () => this.config.routes,
      policy: (name) => this.policies.get(name),
      accepting: () => !this.draining,
      senderLimit: (channel, senderId) => security.hitSender(channel, senderId),
      enrich: [voiceNotes.step],
    });

    // Before the protections: its hooks mark upgrade requests and close the socket of one a protection refuses.
    await app.register(fastifyWebsocket, { options: { maxPayload: config.server.bodyLimit } });
    const voiceOpen = config.voice.enabled && surfaceAuth(config.voice.auth, config) === 'open';
    await app.register(protectionsPlugin, {
      security,
      log,
      browser: {
        allowedOrigins: config.server.allowedOrigins,
        allowedHosts: config.server.allowedHosts,
        // DNS rebinding matters where a surface answers without credentials; on loopback every real client uses an IP or localhost.
        checkHost:
          onLoopback(config) ||
          surfaceAuth(config.webchat.auth, config) === 'open' ||
          voiceOpen ||
          !!this.canvas?.isOpen(onLoopback(config)) ||
          config.server.allowedHosts.length > 0,
      },
    });
    await mountPlugins(app, [...gatewayPlugins(config, this.channels), ...(this.options.plugins ?? [])], {
      ...deps,
      pipeline,
    });

    for (const c of this.channels) {
      bus.subscribeOutbound(c.name, async (out) => {
        await voiceNotes.speak(out.target, out.event);
        return c
          .deliver(out.target, out.event)
          .catch((err) =>
            log.warn(
              { channel: c.name, requestId: out.event.inReplyTo, errorCode: ErrorCode.channel, err: errorSummary(err) },
              'delivery failed',
            ),
          );
      });
      const receive = (m: Message) => pipeline.receive(m);
      const ctx: ChannelContext = {
        receive: this.tracing ? tracedReceive(this.tracing.tracer, c.name, receive) : receive,
        blobs: stores.blobs,
        sessions: stores.sessions,
        log: log.child({ channel: c.name }),
        cancel: (messageId) => bus.publishControl({ type: 'turn.cancel', messageId }),
      };
      // Platforms may be down: a channel reports that in its status and retries; it never blocks start-up.
      c.start(ctx).catch((err) =>
        log.error({ channel: c.name, errorCode: ErrorCode.channel, err: errorSummary(err) }, 'channel failed to start'),
      );
    }
  }

  /** Sends a plain text to a chat outside a turn (reminders, notices). */
  private async deliverText(target: ReplyTarget, text: string): Promise<void> {
    const id = `${target.channel}:notice:${randomUUID()}`;
    await this.bus!.publishOutbound({
      target,
      event: doneEvent({ replyId: id, inReplyTo: id, conversationId: `${target.channel}:${target.chatId}`, text }),
    });
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
      const env = this.options.env ?? process.env;
      const loaded = withSecrets(loadConfig({ file, env }), env, this.log);
      const { config } = loaded;
      this.config = config;
      this.loaded = loaded;
      this.addedModels?.reconfigure(config);
      this.agentSkillChoices?.reconfigure(config);
      this.configRejection = undefined;
      this.log.info({ default: this.models?.default ?? null }, 'config reloaded');
    } catch (err) {
      this.configRejection = {
        at: new Date().toISOString(),
        problems: err instanceof ConfigError ? err.problems.map(formatProblem) : [errorSummary(err).message],
      };
      this.log.error(
        { errorCode: ErrorCode.config, err: errorSummary(err) },
        'config change rejected; keeping the running config',
      );
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
      log.warn({ pending: this.bus?.pending() }, 'drain timed out; aborting in-flight answers');
      this.engine?.abortAll();
      await this.bus?.drain();
    }
    await Promise.allSettled(this.channels.map((c) => c.stop()));
    await this.retention?.stop();
    await this.skills?.stop();
    await this.knowledge?.stop();
    // Canvas rooms close their browsers' sockets first: the HTTP server's close waits for open connections.
    await this.canvas?.close();
    // Every answer is done (drained above) and every socket of ours closed: a connection still open after a
    // short grace (a client that never finished its close handshake) must not hold the exit until its
    // keep-alive timeout (72 s).
    const closing = this.app?.close();
    const grace = setTimeout(() => this.app?.server.closeAllConnections(), 2_000);
    await closing;
    clearTimeout(grace);
    await this.security?.close();
    await this.models?.close();
    await this.bus?.close();
    await this.tracing
      ?.shutdown()
      .catch((err: unknown) => log.warn({ err: errorSummary(err) }, 'traces could not be flushed'));
    await this.stores?.close();
    log.info('stopped');
  }
}

/** The config with its `${secret:NAME}` values read from the encrypted secret store (security/secret-refs.ts). */
function withSecrets(loaded: LoadedConfig, env: Record<string, string | undefined>, log?: Logger): LoadedConfig {
  const { config } = loaded;
  const secrets = configSecrets(config, undefined, env, log ?? createLogger('warn', [], config.log.format));
  return { ...loaded, config: resolveSecretRefs(config, secrets, loaded.file ?? '(no config file)') };
}

/** The channels file (`channels:`) with its `${secret:NAME}` values read, like the main config's. */
function withChannelSecrets<T>(
  config: HearthConfig,
  channels: T,
  env: Record<string, string | undefined>,
  log: Logger,
): T {
  return resolveSecretRefs(channels, configSecrets(config, channels, env, log), config.channels ?? '(channels file)');
}
