/** A skill host with the home hub's settings (skills.mqtt, skills.homeAssistant, home.devices). */
import { rmSync } from 'node:fs';
import { configSchema, type ConfigInput } from '../../src/core/config.js';
import { createSkillHost, type SkillHost } from '../../src/skills/index.js';
import { memoryLogger, tempDir } from '../skills/example-skills.js';
import { mapSessions } from '../skills/host-fixture.js';

export { call, ctx } from '../skills/host-fixture.js';

export interface HomeHost {
  host: SkillHost;
  lines: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startHomeHost(config: Pick<ConfigInput, 'skills' | 'home'>): Promise<HomeHost> {
  const parsed = configSchema.parse(config);
  const dataDir = tempDir();
  const { log, lines } = memoryLogger();
  const host = await createSkillHost(parsed.skills, { dataDir, log, sessions: mapSessions(), deliver: async () => undefined, home: parsed.home });
  await host.start();
  return {
    host,
    lines,
    close: async () => {
      await host.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits for a condition, polling; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
