/**
 * Summarized history and per-conversation memory in the prompt. Turns that no longer fit the
 * history window are summarized by a model instead of being dropped; the summary is stored and
 * refreshed incrementally: each refresh hands the model the previous summary plus only the turns
 * that left the window since (`throughMessageId` marks the newest turn already in it). Pure
 * functions here; the engine makes the model call.
 */
import type { ChatMessage } from '../core/model-provider.js';
import type { ConversationMemory, ConversationSummary, StoredMessage } from '../core/stores.js';

/** Most estimated tokens of new turns one summary call reads; the rest waits for the next turn. */
export const SUMMARY_INPUT_TOKENS = 6000;

/** Most tokens a summary call may write. */
export const SUMMARY_MAX_TOKENS = 400;

/**
 * Most characters of a stored summary. A server that ignores `max_tokens` (some compatible ones do,
 * and an echoing test model does) would otherwise hand back the previous summary plus the new
 * turns each time: the summary, and every prompt after it, would grow with each refresh (seen in
 * the 30-minute soak as steady RSS growth). Generous for 400 tokens of English (~1,600 characters).
 */
export const SUMMARY_MAX_CHARS = 4000;

/** A model's summary, cut to SUMMARY_MAX_CHARS at a word boundary; `cut` says whether it was. */
export function boundedSummary(text: string): { content: string; cut: boolean } {
  const content = text.trim();
  if (content.length <= SUMMARY_MAX_CHARS) return { content, cut: false };
  const head = content.slice(0, SUMMARY_MAX_CHARS);
  const space = head.lastIndexOf(' ');
  return { content: `${space > SUMMARY_MAX_CHARS * 0.8 ? head.slice(0, space) : head}…`, cut: true };
}

/** Most turns read to find those that left the window (the history stores cache this many). */
export const SUMMARY_LOOKBACK = 100;

export const SUMMARY_SYSTEM_PROMPT =
  'You keep a running summary of a conversation between a user and an assistant, for the assistant to read later. ' +
  'Merge the new turns into the summary so far: facts, names, numbers, decisions, open questions and what the user ' +
  'prefers. Plain sentences, at most 200 words. Answer with the summary only.';

/**
 * The turns to summarize next: older than the window, newer than what the summary covers, oldest
 * first, at most `maxTokens` of them (estimated). `all` is the conversation's newest turns, oldest
 * first, ending with `window`.
 */
export function turnsToSummarize(
  all: readonly StoredMessage[],
  window: readonly StoredMessage[],
  summary: ConversationSummary | undefined,
  maxTokens = SUMMARY_INPUT_TOKENS,
): StoredMessage[] {
  const windowStart = window.length ? all.findIndex((m) => m.id === window[0]!.id) : all.length;
  if (windowStart <= 0) return [];
  let older = all.slice(0, windowStart);
  if (summary) {
    const covered = all.findIndex((m) => m.id === summary.throughMessageId);
    // Not among the turns read: the summary covers turns older than all of them.
    if (covered >= 0) older = older.slice(covered + 1);
  }
  const out: StoredMessage[] = [];
  let budget = maxTokens;
  for (const m of older) {
    if (m.role !== 'user' && m.role !== 'assistant') continue;
    if (out.length > 0 && m.tokens > budget) break;
    out.push(m);
    budget -= m.tokens;
  }
  return out;
}

/** The request that merges `turns` into the previous summary. */
export function summaryRequest(previous: string | undefined, turns: readonly StoredMessage[]): ChatMessage[] {
  const lines = turns.map((t) => `${t.role === 'user' ? 'User' : 'Assistant'}: ${t.content}`).join('\n');
  const so = previous ? `Summary so far:\n${previous}\n\n` : 'There is no summary yet.\n\n';
  return [
    { role: 'system', content: SUMMARY_SYSTEM_PROMPT },
    { role: 'user', content: `${so}New turns:\n${lines}` },
  ];
}

/**
 * Adds the conversation's memories and the summary of its older turns to the system message
 * (the first message: many models accept only one). Memories first: they change less often, so
 * more of the prompt prefix stays cacheable.
 */
export function addConversationContext(
  prompt: ChatMessage[],
  memories: readonly ConversationMemory[],
  summary: string | undefined,
): void {
  const blocks: string[] = [];
  if (memories.length)
    blocks.push(
      'The user asked you to remember (memory ids in brackets, for memory_forget):\n' +
        memories.map((m) => `- [${m.id}] ${m.content}`).join('\n'),
    );
  if (summary) blocks.push(`Earlier in this conversation (a summary of older turns):\n${summary}`);
  const system = prompt[0];
  if (!blocks.length || system?.role !== 'system') return;
  prompt[0] = { role: 'system', content: [system.content, ...blocks].join('\n\n') };
}
