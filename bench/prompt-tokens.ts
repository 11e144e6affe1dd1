/**
 * Prompt economy: how many prompt tokens Hearth sends the model for a trivial turn with the built-in
 * skills enabled, and for turns that do need tools. Counted with the GPT-4o tokenizer (o200k_base) on
 * the exact request the model received. Target (SPEC §3): a trivial turn ≤ 1,500 prompt tokens.
 */
import { startOpenAIFake } from '../test/fakes/openai-server.js';
import { startHearth } from '../test/harness.js';
import { promptTokens } from '../test/prompt-count.js';
import { chatOverWs } from '../test/webchat-client.js';

async function main(): Promise<void> {
  const model = await startOpenAIFake();
  const h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl } });
  try {
    console.log('Prompt tokens per turn (o200k_base), built-in skills enabled for the default agent');
    for (const text of ['hi', 'what is 17 * 23?', 'remind me tomorrow at 9 to call mom', 'what time is it in Tokyo?']) {
      await chatOverWs(h.baseUrl, text);
      const body = model.requests.at(-1)!.body;
      const tools = (body.tools ?? []).map((t: { function: { name: string } }) => t.function.name);
      console.log(
        `${JSON.stringify(text).padEnd(40)} ${String(promptTokens(body)).padStart(5)} tokens   tools offered: ${tools.length ? tools.join(', ') : 'none'}`,
      );
    }
    console.log('target: trivial turn ("hi") ≤ 1500; the best-known alternative sends ~15000 for "hi" on this machine');
  } finally {
    await h.stop();
    await model.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
