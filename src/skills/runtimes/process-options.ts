/** What every out-of-process runtime needs from the host to start a skill. */
import type { Logger } from 'pino';
import type { SkillManifest } from '../manifest.js';
import type { Grants } from './sandbox.js';

export interface ProcessRuntimeOptions {
  manifest: SkillManifest;
  grants: Grants;
  log: Logger;
  startTimeoutMs: number;
  maxOutputBytesPerSec: number;
  restart: { initialDelayMs: number; maxDelayMs: number };
}

/** The program to run: `command` from the manifest, or `node <entry>`. */
export function commandOf(manifest: SkillManifest): string[] {
  if (manifest.command) return manifest.command;
  if (manifest.entry) return ['node', manifest.entry];
  return [];
}
