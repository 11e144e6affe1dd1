/**
 * The record of uploaded skills (`<dataDir>/skills/installed.json`): name, version, enabled.
 * Written atomically (temp file + rename) so a crash never leaves it half-written.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface InstalledSkill {
  version: string;
  enabled: boolean;
  installedAt: number;
  signed: boolean;
}

export type InstalledSkills = Record<string, InstalledSkill>;

/** Reads the record; a missing file is an empty record. */
export async function readInstalled(skillsDir: string): Promise<InstalledSkills> {
  try {
    return JSON.parse(await readFile(join(skillsDir, 'installed.json'), 'utf8')) as InstalledSkills;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

/** Replaces the record atomically. */
export async function writeInstalled(skillsDir: string, record: InstalledSkills): Promise<void> {
  const path = join(skillsDir, 'installed.json');
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(record, null, 2));
  await rename(tmp, path);
}
