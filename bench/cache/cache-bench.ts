/**
 * Prompt cache hit rate: a 20-turn web chat conversation through the real `hearth start` process,
 * once against the OpenAI fake (which reports `usage.prompt_tokens_details.cached_tokens` when a
 * request's leading tools and messages equal the previous request's with the same
 * `prompt_cache_key`) and once against the Anthropic fake (which reports `cache_read_input_tokens`
 * for the longest prefix up to a `cache_control` breakpoint an earlier request wrote). Prints, per
 * provider, the share of prompt tokens read from the cache and the turns that hit it, from the
 * usage Hearth recorded (`GET /admin/usage`).
 */
import { startAnthropicFake } from '../../test/fakes/anthropic-server.js';
import { startOpenAIFake } from '../../test/fakes/openai-server.js';
import type { ModelFake } from '../../test/fakes/fake-reply.js';
import { startHearth, TEST_TOKEN } from '../../test/harness.js';
import { chatOverWs } from '../../test/webchat-client.js';

const TURNS = 20;

interface Run {
  provider: string;
  promptTokens: number;
  cachedPromptTokens: number;
  calls: number;
}

async function run(provider: 'openai' | 'anthropic', fake: ModelFake): Promise<Run> {
  const model = provider === 'openai' ? 'fake-gpt' : 'claude-fake';
  const config =
    `models:\n  default: bench\n  catalog:\n    bench:\n      provider: ${provider}\n      model: ${model}\n` +
    `      baseUrl: ${fake.baseUrl}\n` +
    (provider === 'anthropic' ? '      apiKey: bench-key\n' : '');
  const h = await startHearth({ config });
  try {
    let hello: Record<string, unknown> = {};
    for (let i = 1; i <= TURNS; i++) {
      const turn = await chatOverWs(h.baseUrl, `question number ${i}: tell me something about the number ${i}`, hello);
      // The identity is issued once, in the first `ready`; the browser keeps sending it.
      if (i === 1) hello = { conversationId: turn.ready.conversationId, identity: turn.ready.identity };
    }
    const res = await fetch(`${h.baseUrl}/admin/usage?days=1`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    if (!res.ok) throw new Error(`/admin/usage answered ${res.status}`);
    const { days } = (await res.json()) as {
      days: Array<{ promptTokens: number; cachedPromptTokens: number; turns: number }>;
    };
    return {
      provider,
      promptTokens: days.reduce((n, d) => n + d.promptTokens, 0),
      cachedPromptTokens: days.reduce((n, d) => n + d.cachedPromptTokens, 0),
      calls: days.reduce((n, d) => n + d.turns, 0),
    };
  } finally {
    await h.stop();
  }
}

async function main(): Promise<void> {
  const openai = await startOpenAIFake({ recordRequests: false });
  const anthropic = await startAnthropicFake({ recordRequests: false });
  try {
    console.log(`Prompt cache on a ${TURNS}-turn web chat conversation (fakes that report cached tokens)`);
    for (const r of [await run('openai', openai), await run('anthropic', anthropic)]) {
      const rate = r.promptTokens ? (100 * r.cachedPromptTokens) / r.promptTokens : 0;
      console.log(
        `${r.provider.padEnd(10)} ${String(r.calls).padStart(3)} calls  ${String(r.promptTokens).padStart(7)} prompt tokens  ` +
          `${String(r.cachedPromptTokens).padStart(7)} cached  hit rate ${rate.toFixed(1)} %`,
      );
    }
  } finally {
    await openai.close();
    await anthropic.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
