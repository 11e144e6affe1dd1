/** A skill host with the home hub's settings (skills.mqtt, skills.homeAssistant, home.devices). */
import { rmSync } from 'node:fs';
import { configSchema, type ConfigInput } from '../../src/core/config.js';
import type { ReplyTarget } from '../../src/core/message.js';
import { createSkillHost, type SkillHost } from '../../src/skills/index.js';
import { memoryLogger, tempDir } from '../skills/example-skills.js';
import { mapSessions } from '../skills/host-fixture.js';

export { call, ctx } from '../skills/host-fixture.js';

export interface HomeHost {
  host: SkillHost;
  lines: Array<Record<string, unknown>>;
  delivered: Array<{ target: ReplyTarget; text: string }>;
  /** Stops the host, keeping its data folder (to start another on it). */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function startHomeHost(
  config: Pick<ConfigInput, 'skills' | 'home'>,
  dataDir = tempDir(),
): Promise<HomeHost> {
  const parsed = configSchema.parse(config);
  const { log, lines } = memoryLogger();
  const delivered: Array<{ target: ReplyTarget; text: string }> = [];
  const deliver = async (target: ReplyTarget, text: string) => void delivered.push({ target, text });
  const host = await createSkillHost(parsed.skills, {
    dataDir,
    log,
    sessions: mapSessions(),
    deliver,
    home: parsed.home,
  });
  await host.start();
  return {
    host,
    lines,
    delivered,
    stop: () => host.stop(),
    close: async () => {
      await host.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits for a condition, polling; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
