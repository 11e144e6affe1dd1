/**
 * One end-to-end rig for the Discord tests: the fake Gateway/REST, the fake model, and the real
 * `hearth start` process whose channels.yml points the Discord channel at the fake. Needs
 * `npx tsc -p tsconfig.json` (into dist/) first, because the harness runs bin/hearth.js.
 */
import { startHearth, type HearthProcess } from '../../harness.js';
import { startDiscordFake, type DiscordFake } from '../../fakes/discord-server.js';
import { startOpenAIFake, type ModelFake } from '../../fakes/openai-server.js';

export interface DiscordRig {
  fake: DiscordFake;
  model: ModelFake;
  hearth: HearthProcess;
  /** Contents of the bot's messages in a channel now (edits applied), oldest first. */
  answers(channelId: string): string[];
  close(): Promise<void>;
}

/**
 * Starts the rig and waits for the channel to be ready. `channel` holds extra lines of the
 * `discord:` section (YAML, indented by two spaces); token, apiBase and fast timings are filled in.
 */
export async function startDiscordRig(channel: string): Promise<DiscordRig> {
  const fake = await startDiscordFake();
  const model = await startOpenAIFake();
  let hearth: HearthProcess | undefined;
  try {
    hearth = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl },
      channels: `discord:\n  token: ${fake.token}\n  apiBase: ${fake.baseUrl}\n  guildWaitMs: 2000\n  streamEditIntervalMs: 100\n${channel}`,
    });
    await hearth.waitForLog((l) => l.msg === 'channel discord ready', 10_000);
  } catch (err) {
    await hearth?.stop();
    await fake.close();
    await model.close();
    throw err;
  }
  const started = hearth;
  return {
    fake,
    model,
    hearth: started,
    answers: (channelId) =>
      [...fake.botMessages.values()].filter((m) => m.channel_id === channelId).map((m) => String(m.content)),
    async close() {
      await started.stop();
      await fake.close();
      await model.close();
    },
  };
}
