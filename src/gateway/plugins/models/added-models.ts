/**
 * The model catalog as the gateway and engine see it: the configured models plus those added
 * through the admin API (kept in the security module's encrypted secret store, since their API keys
 * are secrets), or a pulled local model when there are none. Also follows the control messages by
 * which any replica announces a change, so every engine calls the same models.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { ControlMessage } from '../../../core/bus.js';
import { modelSpecSchema, type HearthConfig, type ModelSpec } from '../../../core/config.js';
import { ErrorCode, errorSummary } from '../../../core/errors.js';
import { findPulledModel } from '../../../engine/model-pull.js';
import type { ModelRegistry } from '../../../engine/model-registry.js';
import type { SecretStore } from '../../../security/secret-store.js';

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
/** The default chosen through the admin API (`PUT /admin/models/default`), kept across restarts. */
const CHOSEN_DEFAULT = 'models.default';
/** An agent's model chosen through the admin API (`PUT /admin/agents/:id/model`), kept the same way. */
const CHOSEN_AGENT_MODEL = 'agents.model:';

/** Where an agent's effective model comes from. */
export type AgentModelSource = 'admin' | 'file' | 'default';

/** Models added through the admin API in earlier runs. A damaged entry is logged and skipped. */
export async function loadAddedModels(secrets: SecretStore, log: Logger): Promise<Record<string, ModelSpec>> {
  const out: Record<string, ModelSpec> = {};
  for (const name of await secrets.names()) {
    if (!name.startsWith(ADDED_MODEL_PREFIX)) continue;
    try {
      out[name.slice(ADDED_MODEL_PREFIX.length)] = modelSpecSchema.parse(JSON.parse((await secrets.get(name)) ?? ''));
    } catch (err) {
      log.error(
        { model: name, errorCode: ErrorCode.config, err: errorSummary(err) },
        'a stored model could not be read; skipped',
      );
    }
  }
  return out;
}

/** The models added through the admin API, and the registry kept in step with them and the config. */
export class AddedModels {
  private added: Record<string, ModelSpec> = {};
  /** The admin's choice of default, when one was made and the model still exists. */
  private chosenDefault?: string;
  /** The config file's default at the last (re)load: an edit of it overrides the admin's choice. */
  private fileDefault?: string;
  /** Each agent's model chosen by an admin, with the file's `agents.<id>.model` when it was chosen. */
  private agentChoices = new Map<string, { model: string; fileModel: string | null }>();

  constructor(
    private readonly deps: { secrets: SecretStore; models: ModelRegistry; config: () => HearthConfig; log: Logger },
  ) {}

  /** Reads the stored models and configures the registry (at start, before the engine runs). */
  async load(): Promise<void> {
    this.added = await loadAddedModels(this.deps.secrets, this.deps.log);
    const catalog = effectiveCatalog(this.deps.config(), this.added);
    this.fileDefault = catalog.default;
    this.chosenDefault = await this.storedChoice(catalog.default);
    await this.loadAgentChoices(this.deps.config());
    this.deps.models.configure(catalog.catalog, this.defaultIn(catalog), this.deps.config().models.fallback);
  }

  /**
   * Makes a catalog model an agent's model, live and across restarts (until hearth.yml's
   * `agents.<id>.model` is edited: the file's newer decision wins, as for the default).
   */
  async chooseAgentModel(agent: string, model: string): Promise<void> {
    const choice = { model, fileModel: this.deps.config().agents[agent]?.model ?? null };
    await this.deps.secrets.set(`${CHOSEN_AGENT_MODEL}${agent}`, JSON.stringify(choice));
    this.agentChoices.set(agent, choice);
  }

  /** The agent's effective model (undefined: the current default) and where it comes from. */
  agentModel(agent: string): { model?: string; source: AgentModelSource } {
    const chosen = this.agentChoices.get(agent);
    if (chosen && this.deps.models.has(chosen.model)) return { model: chosen.model, source: 'admin' };
    const file = this.deps.config().agents[agent]?.model;
    if (file) return { model: file, source: 'file' };
    return { source: 'default' };
  }

  /** Reads every agent's stored choice, dropping those made before an edit of that agent's model in the file. */
  private async loadAgentChoices(config: HearthConfig): Promise<void> {
    const choices = new Map<string, { model: string; fileModel: string | null }>();
    for (const name of await this.deps.secrets.names()) {
      if (!name.startsWith(CHOSEN_AGENT_MODEL)) continue;
      const agent = name.slice(CHOSEN_AGENT_MODEL.length);
      try {
        const stored = JSON.parse((await this.deps.secrets.get(name)) ?? '') as {
          model: string;
          fileModel: string | null;
        };
        if (typeof stored.model !== 'string') throw new Error('no model in the stored choice');
        if ((stored.fileModel ?? null) === (config.agents[agent]?.model ?? null)) choices.set(agent, stored);
        else await this.deps.secrets.delete(name);
      } catch (err) {
        this.deps.log.warn(
          { agent, errorCode: ErrorCode.config, err: errorSummary(err) },
          "an agent's chosen model could not be read; using the configured one",
        );
      }
    }
    this.agentChoices = choices;
  }

  /** After a config reload: forgets the choice of each agent whose model the file now says differently. */
  private forgetEditedAgentChoices(config: HearthConfig): void {
    for (const [agent, choice] of this.agentChoices) {
      if (choice.fileModel === (config.agents[agent]?.model ?? null)) continue;
      this.agentChoices.delete(agent);
      this.deps.secrets
        .delete(`${CHOSEN_AGENT_MODEL}${agent}`)
        .catch((err: unknown) =>
          this.deps.log.warn({ agent, err: errorSummary(err) }, "could not forget an agent's chosen model"),
        );
    }
  }

  /** Makes a catalog model the default, live and across restarts (until hearth.yml's `models.default` is edited). */
  async chooseDefault(id: string): Promise<void> {
    // Stored with the file's default of the moment, so an edit of the file made while stopped still wins.
    await this.deps.secrets.set(CHOSEN_DEFAULT, JSON.stringify({ model: id, fileDefault: this.fileDefault ?? null }));
    this.chosenDefault = id;
    this.deps.models.setDefault(id);
  }

  /** The stored choice, unless the file's default changed since it was made. */
  private async storedChoice(fileDefault: string | undefined): Promise<string | undefined> {
    const raw = await this.deps.secrets.get(CHOSEN_DEFAULT);
    if (!raw) return undefined;
    try {
      const stored = JSON.parse(raw) as { model: string; fileDefault: string | null };
      if ((stored.fileDefault ?? undefined) === fileDefault) return stored.model;
      await this.deps.secrets.delete(CHOSEN_DEFAULT);
    } catch (err) {
      this.deps.log.warn(
        { errorCode: ErrorCode.config, err: errorSummary(err) },
        'the chosen default model could not be read; using the configured one',
      );
    }
    return undefined;
  }

  private defaultIn(catalog: ReturnType<typeof effectiveCatalog>): string | undefined {
    return this.chosenDefault && catalog.catalog[this.chosenDefault] ? this.chosenDefault : catalog.default;
  }

  /** Adds or replaces a model and persists it (its API key encrypted). */
  async save(id: string, spec: ModelSpec): Promise<void> {
    await this.deps.secrets.set(`${ADDED_MODEL_PREFIX}${id}`, JSON.stringify(spec));
    this.added[id] = spec;
    this.deps.models.put(id, spec);
  }

  /** Removes a model added through the API; false for unknown ids and models from the config file. */
  async remove(id: string): Promise<boolean> {
    if (!(id in this.added)) return false;
    await this.deps.secrets.delete(`${ADDED_MODEL_PREFIX}${id}`);
    delete this.added[id];
    const { models } = this.deps;
    const catalog = effectiveCatalog(this.deps.config(), this.added);
    models.configure(
      catalog.catalog,
      models.default === id ? catalog.default : models.default,
      this.deps.config().models.fallback,
    );
    return true;
  }

  /** Re-applies the catalog after a config reload: models, default and fallback from the new file. */
  reconfigure(config: HearthConfig): void {
    const catalog = effectiveCatalog(config, this.added);
    if (catalog.default !== this.fileDefault) {
      // The file's default was edited: the newer decision wins over the admin's earlier choice.
      this.chosenDefault = undefined;
      this.deps.secrets
        .delete(CHOSEN_DEFAULT)
        .catch((err: unknown) =>
          this.deps.log.warn({ err: errorSummary(err) }, 'could not forget the chosen default model'),
        );
    }
    this.fileDefault = catalog.default;
    this.forgetEditedAgentChoices(config);
    this.deps.models.configure(catalog.catalog, this.defaultIn(catalog), config.models.fallback);
  }

  /** Follows a change another replica announced (or this one: applying it twice is harmless). */
  async apply(message: ControlMessage): Promise<void> {
    const { models } = this.deps;
    if (message.type === 'models.default') {
      this.chosenDefault = message.model;
      if (models.has(message.model) && models.default !== message.model) models.setDefault(message.model);
      return;
    }
    if (message.type === 'agents.model') {
      await this.loadAgentChoices(this.deps.config());
      this.deps.log.info({ agents: [...this.agentChoices.keys()] }, 'agent models reloaded');
      return;
    }
    if (message.type !== 'models.changed') return;
    this.added = await loadAddedModels(this.deps.secrets, this.deps.log);
    const catalog = effectiveCatalog(this.deps.config(), this.added);
    const keep = models.default && catalog.catalog[models.default] ? models.default : catalog.default;
    models.configure(catalog.catalog, keep, this.deps.config().models.fallback);
  }
}
