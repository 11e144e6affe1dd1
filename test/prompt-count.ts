/**
 * Prompt tokens of a Chat Completions request as OpenAI counts them, with the GPT-4o tokenizer
 * (o200k_base): ~3 per message of framing, the role and content of each message, plus the tools.
 * Shared by the prompt-economy test and the benchmarks.
 */
import { getEncoding } from 'js-tiktoken';

const enc = getEncoding('o200k_base');

export interface ChatRequestBody {
  messages: Array<{ role: string; content?: unknown }>;
  tools?: unknown[];
}

export function promptTokens(body: ChatRequestBody): number {
  let n = 3;
  for (const m of body.messages)
    n +=
      3 +
      enc.encode(m.role).length +
      enc.encode(typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')).length;
  if (body.tools?.length) n += enc.encode(JSON.stringify(body.tools)).length;
  return n;
}
