/**
 * The gateway's seam for feature areas. A feature (health, web UI, admin API, models, skills admin,
 * security routes, each channel's routes — and later the console, knowledge base, canvas,
 * approvals) is one `GatewayPlugin`: a function that registers its routes, hooks and decorators on
 * the Fastify instance it is given. The composition root mounts each with Fastify's `register`, so
 * a plugin is encapsulated: what it adds stays in its own scope and cannot leak into its siblings.
 *
 * What every plugin gets anyway, without asking: the protections mounted before all plugins
 * (plugins/protections.ts — browser Origin/Host guard, IP allowlists, rate limits, the /admin role
 * guard and the audit of administrative changes) and the app's error and logging conventions
 * (http-app.ts). See docs/architecture.md for how to write one.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RequireRole } from '../core/auth.js';
import type { Canvas } from '../canvas/index.js';
import type { Bus } from '../core/bus.js';
import type { Channel } from '../core/channel.js';
import type { HearthConfig } from '../core/config.js';
import type { LoadedConfig } from '../core/config-load.js';
import type { ModelRegistry } from '../engine/model-registry.js';
import type { KnowledgeBase } from '../knowledge/index.js';
import type { Metrics } from '../ops/metrics.js';
import type { Security } from '../security/index.js';
import type { SkillHost } from '../skills/index.js';
import type { Stores } from '../storage/index.js';
import type { Approvals } from '../approvals/approvals.js';
import type { Budgets } from '../engine/budgets.js';
import type { UserData } from '../privacy/user-data.js';
import type { AccessControl } from './pipeline/access.js';
import type { Step } from './pipeline/compose.js';
import type { AgentSkillChoices } from './plugins/agents/skill-choices.js';
import type { AddedModels } from './plugins/models/added-models.js';

/**
 * Everything the composition root offers to plugins. A plugin declares the part it uses
 * (`GatewayPlugin<Pick<GatewayDeps, 'models'>>`) so its dependencies read at a glance.
 */
export interface GatewayDeps {
  /** The running config (it changes when hearth.yml is edited). */
  config(): HearthConfig;
  /** The running config as loaded, with where each value came from (the console's Settings screen). */
  loaded(): LoadedConfig;
  /** The hearth.yml the config was loaded from, when there is one. */
  configFile?: string;
  /** The last edit of hearth.yml that was refused (the running config was kept), until one is accepted. */
  configRejected?(): { at: string; problems: string[] } | undefined;
  log: Logger;
  /** Absolute data folder. */
  dataDir: string;
  security: Security;
  /** The role guard (401 without credentials, 403 below the role); every /admin route gets one anyway. */
  requireRole: RequireRole;
  stores: Stores;
  models: ModelRegistry;
  addedModels: AddedModels;
  /** Skills enabled or disabled per agent through the admin API. */
  agentSkills: AgentSkillChoices;
  bus: Bus;
  metrics: Metrics;
  /** Every channel of this gateway, built-in (api, webchat, voice) and from channels.yml. */
  channels(): readonly Channel[];
  access: AccessControl;
  /**
   * Per-user export and deletion. A feature that stores something per person registers its
   * `PersonalDataSource` here while mounted (`deps.userData.register(source)`), and the export and
   * deletion routes cover it from then on.
   */
  userData: UserData;
  /** The skill host, when this process runs the engine role. */
  skills?: SkillHost;
  /** The knowledge base (collections, ingestion, search). */
  knowledge: KnowledgeBase;
  /** Live canvas rooms, when `canvas.enabled`. */
  canvas?: Canvas;
  /** Token and cost budgets (what is used and what remains). */
  budgets: Budgets;
  /** Sensitive tool calls waiting for a yes (src/approvals). */
  approvals: Approvals;
  /** The inbound pipeline, in the gateway role: a plugin adds its per-message step with `use` while mounted. */
  pipeline?: { use(step: Step): unknown };
  /** True once shutdown began (probes report it). */
  draining(): boolean;
}

/** One feature area of the gateway, mounted with `app.register(plugin, deps)`. */
export type GatewayPlugin<D = GatewayDeps> = (app: FastifyInstance, deps: D) => Promise<void>;

/** Mounts plugins in order, each in its own encapsulated scope. */
export async function mountPlugins<D>(
  app: FastifyInstance,
  plugins: ReadonlyArray<GatewayPlugin<D>>,
  deps: D,
): Promise<void> {
  // Fastify types plugin options as a plain record; the deps are ours, typed by the caller.
  for (const plugin of plugins)
    await app.register(plugin as unknown as GatewayPlugin<Record<string, unknown>>, deps as Record<string, unknown>);
}
