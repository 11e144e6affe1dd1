/**
 * Skills enabled or disabled for one agent through the admin API, on top of the agent's configured
 * `skills` (src/skills/agent-skills.ts). Kept in the secret store like the model choices
 * (../models/added-models.ts), with the file's `agents.<id>.skills` of the moment: an edit of that
 * list in hearth.yml is the newer decision and drops the agent's admin choices.
 */
import type { Logger } from 'pino';
import type { HearthConfig } from '../../../core/config.js';
import { ErrorCode, errorSummary } from '../../../core/errors.js';
import type { SecretStore } from '../../../security/secret-store.js';
import { skillsOfAgent } from '../../../skills/agent-skills.js';

const PREFIX = 'agents.skills:';

interface Stored {
  /** Skill name → enabled (true) or disabled (false) for this agent. */
  skills: Record<string, boolean>;
  /** The file's `agents.<id>.skills` when the choices were made (null: not set). */
  fileSkills: string[] | null;
}

const fileSkillsOf = (config: HearthConfig, agent: string) => config.agents[agent]?.skills ?? null;
const sameList = (a: readonly string[] | null, b: readonly string[] | null) =>
  a === b || (!!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]));

export class AgentSkillChoices {
  private choices = new Map<string, Stored>();

  constructor(private readonly deps: { secrets: SecretStore; config: () => HearthConfig; log: Logger }) {}

  /** Reads the stored choices (at start, and when another replica announces a change). */
  async load(): Promise<void> {
    const config = this.deps.config();
    const choices = new Map<string, Stored>();
    for (const name of await this.deps.secrets.names()) {
      if (!name.startsWith(PREFIX)) continue;
      const agent = name.slice(PREFIX.length);
      try {
        const stored = JSON.parse((await this.deps.secrets.get(name)) ?? '') as Stored;
        if (typeof stored.skills !== 'object' || stored.skills === null) throw new Error('no skills in the choice');
        if (sameList(stored.fileSkills, fileSkillsOf(config, agent))) choices.set(agent, stored);
        else await this.deps.secrets.delete(name);
      } catch (err) {
        this.deps.log.warn(
          { agent, errorCode: ErrorCode.config, err: errorSummary(err) },
          "an agent's skill choices could not be read; using the configured skills",
        );
      }
    }
    this.choices = choices;
    this.deps.log.info({ agents: [...choices.keys()] }, 'agent skills reloaded');
  }

  /** Enables or disables one skill for one agent, live and across restarts. */
  async set(agent: string, skill: string, enabled: boolean): Promise<void> {
    const current = this.choices.get(agent);
    const fileSkills = fileSkillsOf(this.deps.config(), agent);
    const next: Stored = {
      skills: { ...(current && sameList(current.fileSkills, fileSkills) ? current.skills : {}), [skill]: enabled },
      fileSkills,
    };
    await this.deps.secrets.set(`${PREFIX}${agent}`, JSON.stringify(next));
    this.choices.set(agent, next);
  }

  /** The agent's admin choices (skill → enabled). */
  overrides(agent: string): Record<string, boolean> {
    return { ...(this.choices.get(agent)?.skills ?? {}) };
  }

  /**
   * The skills the agent may use: its configured ones ("*" expanded to every installed skill once
   * a choice disables one), minus those disabled here, plus those enabled here.
   */
  skillsOf(agent: string, installed: () => readonly string[]): readonly string[] {
    const base = skillsOfAgent(this.deps.config().agents, agent);
    const chosen = this.choices.get(agent)?.skills;
    if (!chosen || Object.keys(chosen).length === 0) return base;
    const disabled = Object.keys(chosen).filter((s) => !chosen[s]);
    const names = base.includes('*') ? (disabled.length ? installed() : ['*']) : base;
    const out = new Set(names.filter((s) => chosen[s] !== false));
    for (const [s, on] of Object.entries(chosen)) if (on) out.add(s);
    return [...out];
  }

  /** After a config reload: drops the choices of each agent whose `skills` the file now says differently. */
  reconfigure(config: HearthConfig): void {
    for (const [agent, stored] of this.choices) {
      if (sameList(stored.fileSkills, fileSkillsOf(config, agent))) continue;
      this.choices.delete(agent);
      this.deps.secrets
        .delete(`${PREFIX}${agent}`)
        .catch((err: unknown) =>
          this.deps.log.warn({ agent, err: errorSummary(err) }, "could not forget an agent's skill choices"),
        );
    }
  }
}
