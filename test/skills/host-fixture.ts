/** Builds a SkillHost for tests with the defaults of the real config schema. */
import { rmSync } from 'node:fs';
import { configSchema, type ConfigInput } from '../../src/core/config.js';
import type { ReplyTarget } from '../../src/core/message.js';
import type { SessionStore } from '../../src/core/stores.js';
import type { ToolContext } from '../../src/core/tools.js';
import { createSkillHost, type SkillHost } from '../../src/skills/index.js';
import { memoryLogger, tempDir } from './example-skills.js';

/** A SessionStore in a Map (the real memory store belongs to the storage work). */
export function mapSessions(): SessionStore {
  const m = new Map<string, unknown>();
  return {
    get: async <T>(k: string) => m.get(k) as T | undefined,
    set: async (k, v) => void m.set(k, v),
    setIfAbsent: async (k, v) => (m.has(k) ? false : (m.set(k, v), true)),
    increment: async (k, by) => {
      const v = ((m.get(k) as number | undefined) ?? 0) + by;
      m.set(k, v);
      return v;
    },
    delete: async (k) => void m.delete(k),
    close: async () => undefined,
  };
}

export interface TestHost {
  host: SkillHost;
  dataDir: string;
  lines: Array<Record<string, unknown>>;
  delivered: Array<{ target: ReplyTarget; text: string }>;
  close(): Promise<void>;
}

/** Starts a host with `skills` settings merged over the schema defaults. */
export async function startTestHost(
  skills: NonNullable<ConfigInput['skills']> = {},
  dataDir = tempDir(),
): Promise<TestHost> {
  const settings = configSchema.parse({ skills }).skills;
  const { log, lines } = memoryLogger();
  const delivered: Array<{ target: ReplyTarget; text: string }> = [];
  const host = await createSkillHost(settings, {
    dataDir,
    log,
    sessions: mapSessions(),
    deliver: async (target, text) => void delivered.push({ target, text }),
  });
  await host.start();
  return {
    host,
    dataDir,
    lines,
    delivered,
    close: async () => {
      await host.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let callId = 0;

/** A tool context from the web chat. */
export function ctx(overrides: Partial<ToolContext> = {}): ToolContext {
  return {
    conversationId: 'webchat:c1',
    userId: 'user-1',
    agent: 'default',
    target: { channel: 'webchat', chatId: 'c1', messageId: 'm1' },
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** A model tool call with JSON arguments. */
export function call(name: string, args: Record<string, unknown> = {}) {
  return { id: `call_${++callId}`, name, arguments: JSON.stringify(args) };
}
