/** Finds the published `skill.proto`: env HEARTH_SKILL_PROTO, or `proto/skill.proto` in a parent folder. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function skillProtoPath(): string {
  if (process.env.HEARTH_SKILL_PROTO) return process.env.HEARTH_SKILL_PROTO;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    for (const candidate of [join(dir, 'skill.proto'), join(dir, 'proto', 'skill.proto')]) {
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('skill.proto not found: set HEARTH_SKILL_PROTO');
    dir = parent;
  }
}
