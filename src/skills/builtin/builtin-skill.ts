/** What a built-in skill is: a manifest plus a factory given Hearth's services. */
import type { Logger } from 'pino';
import type { HearthConfig } from '../../core/config.js';
import type { ReplyTarget } from '../../core/message.js';
import type { SessionStore } from '../../core/stores.js';
import type { SkillManifest } from '../manifest.js';
import type { InProcessSkill } from '../runtimes/in-process/index.js';

export interface BuiltinDeps {
  /** The built-in's own data folder (created before `create`). */
  dataDir: string;
  log: Logger;
  sessions: SessionStore;
  deliver: (target: ReplyTarget, text: string) => Promise<void>;
  settings: HearthConfig['skills'];
}

export interface BuiltinSkill {
  manifest: SkillManifest;
  create(deps: BuiltinDeps): InProcessSkill;
}

/** Reads a string argument or fails with a message the model can act on. */
export function stringArg(args: Record<string, unknown>, name: string): string {
  const v = args[name];
  if (typeof v !== 'string' || v.trim() === '') throw new Error(`missing "${name}"`);
  return v;
}
