/**
 * Fetches a document by URL, only from `knowledge.urls.allowedHosts` (checked again on every
 * redirect, so an allowed host cannot bounce the fetch elsewhere), with a size cap read as the
 * body streams in and a timeout.
 */
import { ErrorCode, HearthError } from '../core/errors.js';

export interface FetchedDocument {
  data: Buffer;
  fileName: string;
  mimeType?: string;
  /** The final URL after redirects. */
  url: string;
}

const MAX_REDIRECTS = 5;

/** Whether a host is allowed: an exact name, or `*.example.com` for its subdomains. */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowed.some((a) => {
    const p = a.toLowerCase();
    return p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p;
  });
}

/** Checks a URL against the allowed hosts; throws HEARTH_E_KNOWLEDGE_URL (400) when it may not be fetched. */
export function checkUrl(raw: string, allowed: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HearthError(ErrorCode.knowledgeUrl, `not a URL: ${raw}`, 400);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new HearthError(ErrorCode.knowledgeUrl, `only http and https URLs are fetched (got ${url.protocol})`, 400);
  if (allowed.length === 0)
    throw new HearthError(
      ErrorCode.knowledgeUrl,
      'URL ingestion is off: list hosts in knowledge.urls.allowedHosts',
      400,
    );
  if (!hostAllowed(url.hostname, allowed))
    throw new HearthError(ErrorCode.knowledgeUrl, `host ${url.hostname} is not in knowledge.urls.allowedHosts`, 400);
  return url;
}

export async function fetchDocument(
  raw: string,
  options: { allowedHosts: readonly string[]; maxBytes: number; timeoutMs: number; signal?: AbortSignal },
): Promise<FetchedDocument> {
  let url = checkUrl(raw, options.allowedHosts);
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)])
    : AbortSignal.timeout(options.timeoutMs);
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await fetch(url, {
        redirect: 'manual',
        signal,
        headers: {
          accept:
            'text/html, text/markdown, text/plain, application/pdf, application/vnd.openxmlformats-officedocument.wordprocessingml.document, */*;q=0.5',
        },
      });
    } catch (err) {
      throw new HearthError(ErrorCode.knowledgeUrl, `fetching ${url.href} failed: ${(err as Error).message}`, 502, {
        cause: err,
      });
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new HearthError(ErrorCode.knowledgeUrl, `too many redirects from ${raw}`, 502);
      url = checkUrl(new URL(res.headers.get('location')!, url).href, options.allowedHosts);
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new HearthError(ErrorCode.knowledgeUrl, `fetching ${url.href} answered ${res.status}`, 502);
    }
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > options.maxBytes) {
      await res.body?.cancel();
      throw new HearthError(
        ErrorCode.tooLarge,
        `${url.href} is ${declared} bytes, more than knowledge.maxFileBytes`,
        413,
      );
    }
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body ?? []) {
      size += chunk.length;
      if (size > options.maxBytes)
        throw new HearthError(ErrorCode.tooLarge, `${url.href} is larger than knowledge.maxFileBytes`, 413);
      parts.push(Buffer.from(chunk));
    }
    return {
      data: Buffer.concat(parts),
      fileName: fileNameOf(url, res.headers.get('content-disposition')),
      mimeType: res.headers.get('content-type') ?? undefined,
      url: url.href,
    };
  }
}

/** The file name a server gave (Content-Disposition), else the URL's last path segment, else its host. */
function fileNameOf(url: URL, disposition: string | null): string {
  const named = disposition ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1] : undefined;
  if (named) return decodeURIComponent(named).split(/[\\/]/).pop()!;
  const last = decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? '');
  return last || url.hostname;
}
