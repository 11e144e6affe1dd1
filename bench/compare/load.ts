/**
 * The one load generator of the compare benchmark: `concurrency` closed loops of
 * `POST /v1/chat/completions` over keep-alive connections (undici, pinned in package.json), each
 * reading its answer to the end. Records per-request latency and the time to the first body chunk
 * (the first SSE event when streaming).
 */
import { Agent, request } from 'undici';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  p50: number;
  p90: number;
  p99: number;
  /** Median time to the first body chunk, ms. */
  ttfb50: number;
  /** The first error's status or message, to explain a failing row. */
  firstError?: string;
}

export interface Target {
  /** Ends in /v1. */
  baseUrl: string;
  model: string;
  token?: string;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The request body of one trivial turn. */
export function chatBody(model: string, text: string, stream: boolean): string {
  return JSON.stringify({ model, stream, messages: [{ role: 'user', content: text }] });
}

export async function drive(
  target: Target,
  opts: { stream: boolean; concurrency: number; seconds: number; text?: string },
): Promise<LoadResult> {
  const dispatcher = new Agent({ connections: opts.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const body = chatBody(target.model, opts.text ?? 'hello there', opts.stream);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  const url = `${target.baseUrl}/chat/completions`;
  const latencies: number[] = [];
  const ttfbs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const deadline = t0 + opts.seconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const s = performance.now();
      try {
        const res = await request(url, {
          method: 'POST',
          body,
          headers,
          dispatcher,
          headersTimeout: 120_000,
          bodyTimeout: 120_000,
        });
        let first = 0;
        let text = '';
        for await (const chunk of res.body) {
          if (first === 0) first = performance.now();
          if (res.statusCode !== 200) text += String(chunk);
        }
        if (res.statusCode !== 200) {
          errors++;
          firstError ??= `${res.statusCode} ${text.slice(0, 200)}`;
          continue;
        }
        const end = performance.now();
        latencies.push(end - s);
        ttfbs.push((first || end) - s);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
        // A refused connection would otherwise spin this loop.
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  const seconds = (performance.now() - t0) / 1000;
  await dispatcher.close();
  latencies.sort((a, b) => a - b);
  ttfbs.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    ttfb50: percentile(ttfbs, 50),
    firstError,
  };
}
