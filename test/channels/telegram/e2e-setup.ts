/**
 * One end-to-end rig for the Telegram tests: the fake Bot API, the fake model, and the real
 * `hearth start` process whose channels.yml points the Telegram channel at the fake. Needs
 * `npx tsc -p tsconfig.json` (into dist/) first, because the harness runs bin/hearth.js.
 */
import type { Chat } from 'grammy/types';
import { startHearth, type HearthProcess } from '../../harness.js';
import { startOpenAIFake, type ModelFake } from '../../fakes/openai-server.js';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram-api.js';

export interface TelegramRig {
  fake: TelegramFake;
  model: ModelFake;
  hearth: HearthProcess;
  /** Texts the bot shows in a chat now (edits applied), oldest first. */
  shown(chatId: number): string[];
  close(): Promise<void>;
}

/**
 * Starts the rig. `channel` holds extra lines of the `telegram:` section (YAML, indented by two
 * spaces), e.g. `  allowFrom: ["*"]\n`; token, apiRoot and fast timings are filled in.
 */
export async function startTelegramRig(channel: string): Promise<TelegramRig> {
  const fake = await startTelegramFake();
  const model = await startOpenAIFake();
  let hearth: HearthProcess;
  try {
    hearth = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl },
      channels:
        `telegram:\n  token: ${fake.token}\n  apiRoot: ${fake.baseUrl}\n  pollTimeoutSeconds: 1\n  streamEditIntervalMs: 100\n` +
        `  reconnect: { initialDelayMs: 100, maxDelayMs: 400 }\n${channel}`,
    });
  } catch (err) {
    await fake.close();
    await model.close();
    throw err;
  }
  return {
    fake,
    model,
    hearth,
    shown: (chatId) =>
      [...fake.botMessages.values()].filter((m) => m.chat.id === chatId).map((m) => m.text ?? m.caption ?? ''),
    async close() {
      await hearth.stop();
      await fake.close();
      await model.close();
    },
  };
}

/** A private chat with a user, as Telegram describes both. */
export function privateChat(
  id: number,
  firstName: string,
  username?: string,
): { chat: Chat; from: { id: number; first_name: string; username?: string } } {
  return {
    chat: { id, type: 'private', first_name: firstName, ...(username ? { username } : {}) },
    from: { id, first_name: firstName, ...(username ? { username } : {}) },
  };
}
