/**
 * Reranking over HTTP in the request shape most rerank servers share — llama.cpp server
 * (`--reranking`), vLLM, Infinity, LocalAI, Jina and Cohere v2: `POST <baseUrl>/rerank` with
 * `{model, query, documents, top_n}`, answered by `{results: [{index, relevance_score}]}` (Voyage
 * names the list `data`). No official SDK covers more than its own vendor, so this is one small
 * fetch with the response checked before it is trusted.
 */
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { Reranker } from '../types.js';

export interface HttpRerankerOptions {
  model: string;
  /** The `/rerank` path is appended (`http://127.0.0.1:8080/v1` → `…/v1/rerank`). */
  baseUrl: string;
  apiKey?: string;
  timeoutMs: number;
}

interface RerankResult {
  index?: unknown;
  relevance_score?: unknown;
  score?: unknown;
}

export function createHttpReranker(options: HttpRerankerOptions): Reranker {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/rerank`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const fail = (message: string, cause?: unknown) =>
    new HearthError(ErrorCode.knowledgeRerank, `rerank request failed: ${message}`, 502, { cause });
  return {
    model: `http:${options.model}`,
    async rank(query, documents, signal) {
      if (documents.length === 0) return [];
      const timeout = AbortSignal.timeout(options.timeoutMs);
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ model: options.model, query, documents, top_n: documents.length }),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (err) {
        throw fail((err as Error).message, err);
      }
      const text = await res.text().catch(() => '');
      if (!res.ok) throw fail(`${url} answered ${res.status}: ${text.slice(0, 200)}`);
      return scoresOf(text, documents.length, fail);
    },
  };
}

/** One score per document from a rerank response body; anything else is an error, never a guess. */
export function scoresOf(body: string, count: number, fail: (message: string) => Error): number[] {
  let parsed: { results?: unknown; data?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw fail('the response is not JSON');
  }
  const list = parsed?.results ?? parsed?.data;
  if (!Array.isArray(list)) throw fail('the response has no `results` list');
  const scores = new Array<number>(count).fill(Number.NaN);
  for (const r of list as RerankResult[]) {
    const score = r?.relevance_score ?? r?.score;
    if (typeof r?.index !== 'number' || !Number.isInteger(r.index) || r.index < 0 || r.index >= count)
      throw fail(`a result has no valid \`index\` (0..${count - 1})`);
    if (typeof score !== 'number' || !Number.isFinite(score)) throw fail(`result ${r.index} has no numeric score`);
    scores[r.index] = score;
  }
  const missing = scores.filter(Number.isNaN).length;
  if (missing) throw fail(`${missing} of ${count} documents came back without a score`);
  return scores;
}
