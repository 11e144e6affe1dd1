/**
 * `node --import` entry of Node skill children: installs the host guard with the hosts the
 * sandbox put in the environment (see sandbox.ts), before any skill code runs.
 */
import { installHostGuard } from './host-guard.js';

const allowed = process.env.HEARTH_SKILL_HOSTS;
if (allowed !== undefined) {
  installHostGuard(process.env.HEARTH_SKILL_NAME ?? 'skill', JSON.parse(allowed) as string[]);
  delete process.env.HEARTH_SKILL_HOSTS;
}
