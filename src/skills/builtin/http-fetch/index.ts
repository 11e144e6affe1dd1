/**
 * Built-in HTTP fetch, limited to the hosts in `skills.httpFetch.allowedHosts`. Every redirect
 * hop is checked against the list too, bodies are read up to a byte cap, HTML is reduced to
 * text so the model gets words rather than markup.
 */
import { parseManifest } from '../../manifest.js';
import { stringArg, type BuiltinSkill } from '../builtin-skill.js';

const maxRedirects = 3;

/** Whether the URL's host is on the list: exact host, host:port, or a `*.domain` wildcard. */
export function hostAllowed(url: URL, allowed: readonly string[]): boolean {
  const host = url.hostname.toLowerCase();
  return allowed.some((entry) => {
    const a = entry.toLowerCase();
    if (a.startsWith('*.')) return host.endsWith(a.slice(1));
    return a === host || a === url.host.toLowerCase();
  });
}

/** Crude but safe HTML-to-text: drops scripts, styles and tags, decodes the common entities. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|noscript)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

async function readCapped(res: Response, maxBytes: number): Promise<{ text: string; cut: boolean }> {
  const reader = res.body?.getReader();
  if (!reader) return { text: '', cut: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      chunks.push(value.subarray(0, value.length - (size - maxBytes)));
      cut = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), cut };
}

export const httpFetch: BuiltinSkill = {
  manifest: parseManifest({
    name: 'http-fetch',
    version: '1.0.0',
    description: 'Fetch web pages from allowed hosts',
    runtime: 'in-process',
    entry: '(built-in)',
    triggers: ['http', 'www.', 'url', 'fetch', 'website', 'web page', 'link', 'download', '网页', '网址'],
    tools: [
      {
        name: 'http_fetch',
        description: 'GET a URL (allowed hosts only) and return its text',
        parameters: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] },
      },
    ],
  }),
  create: (deps) => ({
    execute: async ({ arguments: args, signal }) => {
      const cfg = deps.settings.httpFetch;
      let url: URL;
      try {
        url = new URL(stringArg(args, 'url'));
      } catch {
        return { content: 'not a valid URL', isError: true };
      }
      for (let hop = 0; ; hop++) {
        if (url.protocol !== 'http:' && url.protocol !== 'https:')
          return { content: 'only http and https URLs', isError: true };
        if (!hostAllowed(url, cfg.allowedHosts))
          return { content: `host ${url.host} is not on the allowed list`, isError: true };
        const res = await fetch(url, {
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(cfg.timeoutMs)]),
          headers: { 'user-agent': 'Hearth/0.1 (+http_fetch)' },
        });
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location) {
          await res.body?.cancel();
          if (hop >= maxRedirects) return { content: 'too many redirects', isError: true };
          url = new URL(location, url);
          continue;
        }
        const type = res.headers.get('content-type') ?? '';
        const { text, cut } = await readCapped(res, cfg.maxBytes);
        const body = type.includes('html') ? htmlToText(text) : text;
        return {
          content: `HTTP ${res.status} ${type}\n${body}${cut ? '\n[truncated]' : ''}`,
          isError: res.status >= 400,
        };
      }
    },
  }),
};
