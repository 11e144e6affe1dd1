/** The built-in skills, in the order they are listed. */
import type { BuiltinSkill } from './builtin-skill.js';
import { calculator } from './calculator/index.js';
import { canvas } from './canvas/index.js';
import { clock } from './clock/index.js';
import { homeAssistant } from './home-assistant/index.js';
import { httpFetch } from './http-fetch/index.js';
import { mqtt } from './mqtt/index.js';
import { memory } from './memory/index.js';
import { notes } from './notes/index.js';
import { reminders } from './reminders/index.js';

export const builtinSkills: readonly BuiltinSkill[] = [
  clock,
  calculator,
  notes,
  memory,
  reminders,
  httpFetch,
  canvas,
  mqtt,
  homeAssistant,
];

/** Names of the built-ins: the default agent gets these unless configured otherwise. */
export const BUILTIN_SKILLS: readonly string[] = builtinSkills.map((s) => s.manifest.name);
