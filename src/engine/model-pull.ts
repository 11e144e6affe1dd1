/**
 * `hearth models pull [NAME]`: downloads a GGUF model into `<dataDir>/models/` so the embedded
 * provider can run it. Downloads go to `<file>.part`, resume with HTTP `Range` after a cut
 * connection (within one pull, and across pulls), are SHA-256 verified, then renamed into place
 * atomically: a file without `.part` in the models folder is always complete and verified.
 *
 * Which checksum is trusted, in order:
 *  1. `options.sha256`, or the catalog entry's `sha256` when we established it independently;
 *  2. otherwise the hub's own: for files stored in Git LFS, Hugging Face's `resolve` endpoint
 *     answers with a redirect carrying `X-Linked-Etag: "<sha256 of the file>"` (the LFS object id),
 *     and the CDN answers with `ETag: "<sha256>"`; we take the first 64-hex value of
 *     `X-Linked-Etag` on any hop, else the final `ETag`. Mirrors that copy the hub keep them.
 * When neither exists the pull is refused (HEARTH_E_CHECKSUM) unless `allowUnverified` is set.
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { open } from 'node:fs/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Logger } from 'pino';
import { ErrorCode, HearthError } from '../core/errors.js';
import { defaultHubUrl, defaultPullableModel, findPullableModel, hubFileUrl, pullableModels } from './model-catalog.js';
import type { PullProgress } from './model-pull-progress.js';

export type { PullProgress } from './model-pull-progress.js';
export { createProgressReporter, renderProgressBar } from './model-pull-progress.js';
export { defaultPullableModel, pullableModels } from './model-catalog.js';

export interface PullModelOptions {
  /** Data folder; the model lands in `<dataDir>/models/`. */
  dataDir: string;
  /** A catalog name (see `pullableModels`) or a full http(s) URL of a `.gguf` file. Default: the catalog default. */
  name?: string;
  /** Hub or mirror base URL (config `models.download.baseUrl`); default https://huggingface.co. */
  baseUrl?: string;
  /** Expected SHA-256 (hex); overrides the catalog and the server's headers. */
  sha256?: string;
  /** Accept a file no checksum is known for. */
  allowUnverified?: boolean;
  /** Download again even if the file is already there. */
  force?: boolean;
  /** Resume attempts after a failed transfer within this pull. Default 5. */
  retries?: number;
  /** First delay between attempts, doubled each time (capped at 10 s). Default 1000 ms. */
  retryDelayMs?: number;
  onProgress?: (progress: PullProgress) => void;
  /** Stops the pull; the `.part` file stays for the next pull to resume. */
  signal?: AbortSignal;
  log?: Logger;
}

/** What a NAME resolves to. */
export interface PullTarget {
  url: string;
  /** File name in `<dataDir>/models/`. */
  file: string;
  sha256?: string;
}

/** A failed transfer worth another attempt (cut connection, 5xx, short body). */
class TransferError extends Error {}

const sha256Pattern = /^[0-9a-f]{64}$/;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** Resolves a catalog name or URL to what to download. Throws HEARTH_E_UNKNOWN_MODEL for other names. */
export function resolvePullTarget(name: string = defaultPullableModel, baseUrl: string = defaultHubUrl): PullTarget {
  if (/^https?:\/\//i.test(name)) {
    const url = new URL(name);
    const file = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    if (!/^[\w.+-]+\.gguf$/i.test(file)) {
      throw new HearthError(
        ErrorCode.download,
        `The URL must point at a .gguf file (got "${file || url.pathname}")`,
        400,
      );
    }
    return { url: url.href, file };
  }
  const model = findPullableModel(name);
  if (!model) {
    const names = pullableModels.map((m) => m.name).join(', ');
    throw new HearthError(
      ErrorCode.unknownModel,
      `Unknown model "${name}". Pull one of: ${names}, or give a full URL of a .gguf file.`,
      404,
    );
  }
  return { url: hubFileUrl(model, baseUrl), file: model.file, sha256: model.sha256 };
}

/**
 * Downloads a model into `<dataDir>/models/` and returns its path. Already present (and not
 * `force`): returns at once. Throws HearthError HEARTH_E_DOWNLOAD (transfer failed; the `.part`
 * stays for a resume) or HEARTH_E_CHECKSUM (mismatch or no checksum; nothing is left behind).
 */
export async function pullModel(options: PullModelOptions): Promise<string> {
  const target = resolvePullTarget(options.name, options.baseUrl);
  const dir = join(options.dataDir, 'models');
  mkdirSync(dir, { recursive: true });
  const finalPath = join(dir, target.file);
  if (!options.force && existsSync(finalPath)) return finalPath;
  const partPath = `${finalPath}.part`;
  const pinned = normalizeSha256(options.sha256 ?? target.sha256);
  if ((options.sha256 ?? target.sha256) && !pinned) {
    throw new HearthError(ErrorCode.checksum, `"${options.sha256 ?? target.sha256}" is not a SHA-256 hex digest`, 400);
  }

  const retries = options.retries ?? 5;
  let advertised: string | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      advertised = await downloadOnce(target.url, partPath, options, !pinned && !options.allowUnverified);
      break;
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (!(err instanceof TransferError)) throw err;
      if (attempt >= retries) {
        throw new HearthError(
          ErrorCode.download,
          `Downloading ${target.url} failed: ${err.message}. Run the pull again to resume.`,
          502,
          { cause: err },
        );
      }
      options.log?.warn(
        { url: target.url, attempt: attempt + 1, err: err.message },
        'model download interrupted; resuming',
      );
      await delay(Math.min((options.retryDelayMs ?? 1000) * 2 ** attempt, 10_000), options.signal);
    }
  }

  const expected = pinned ?? advertised;
  if (!expected && !options.allowUnverified) {
    // Reached when a complete `.part` was confirmed by a 416 that carried no checksum header.
    rmSync(partPath, { force: true });
    throw new HearthError(
      ErrorCode.checksum,
      `No SHA-256 is known for ${target.file}, so it cannot be verified. The download was deleted.`,
      502,
    );
  }
  if (expected) {
    const actual = await sha256OfFile(partPath);
    if (actual !== expected) {
      rmSync(partPath, { force: true });
      throw new HearthError(
        ErrorCode.checksum,
        `Checksum mismatch for ${target.file}: expected sha256 ${expected}, got ${actual}. The download was deleted.`,
        502,
      );
    }
  }
  renameSync(partPath, finalPath);
  return finalPath;
}

/**
 * One request: continues `partPath` from its current size with `Range`, or starts over when the
 * server ignores Range. Returns the checksum the server advertised, if any.
 */
async function downloadOnce(
  url: string,
  partPath: string,
  options: PullModelOptions,
  requireChecksum: boolean,
): Promise<string | undefined> {
  const offset = existsSync(partPath) ? statSync(partPath).size : 0;
  const { response, linkedSha256 } = await fetchFollowingRedirects(
    url,
    offset > 0 ? { range: `bytes=${offset}-` } : {},
    options.signal,
  );
  const advertised = linkedSha256 ?? normalizeSha256(response.headers.get('etag'));

  if (response.status === 416 && offset > 0) {
    await response.body?.cancel();
    const total = Number(/\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1]);
    if (total === offset) return advertised; // the part file was already complete
    truncateSync(partPath, 0);
    throw new TransferError(`the partial file (${offset} bytes) does not fit the server's file; starting over`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    if (response.status === 429 || response.status >= 500) throw new TransferError(`HTTP ${response.status}`);
    throw new HearthError(
      ErrorCode.download,
      `Downloading ${url} failed: HTTP ${response.status}`,
      response.status === 404 ? 404 : 502,
    );
  }
  if (requireChecksum && !advertised) {
    await response.body?.cancel();
    throw new HearthError(
      ErrorCode.checksum,
      `The server gave no SHA-256 for ${url}, so the download cannot be verified. Pass the expected sha256, or allow an unverified download.`,
      400,
    );
  }

  let start = 0;
  let total = contentLength(response);
  if (response.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== offset) {
      await response.body?.cancel();
      truncateSync(partPath, 0);
      throw new TransferError('the server answered a different range; starting over');
    }
    start = offset;
    total = range[3] === '*' ? (total === undefined ? undefined : offset + total) : Number(range[3]);
  } else if (offset > 0) {
    options.log?.info({ url }, 'the server does not resume downloads; starting over');
  }
  if (!response.body) throw new TransferError('empty response body');

  let received = start;
  options.onProgress?.({ received, total });
  // Each chunk is written and awaited before the next is read, so when the connection drops every
  // byte received is on disk and the retry's Range starts exactly where the data ends.
  const file = await open(partPath, start > 0 ? 'a' : 'w');
  try {
    for await (const chunk of Readable.fromWeb(
      response.body as WebReadableStream<Uint8Array>,
    ) as AsyncIterable<Buffer>) {
      await file.write(chunk);
      received += chunk.length;
      options.onProgress?.({ received, total });
    }
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw new TransferError(`connection lost after ${received} bytes (${(err as Error).message})`);
  } finally {
    await file.close();
  }
  if (total !== undefined && received !== total) throw new TransferError(`got ${received} of ${total} bytes`);
  return advertised;
}

/**
 * GET with redirects followed by hand, because the hub puts the file's SHA-256 on the redirect
 * (`X-Linked-Etag`), which `fetch` hides when it follows redirects itself.
 */
async function fetchFollowingRedirects(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<{ response: Response; linkedSha256?: string }> {
  let linkedSha256: string | undefined;
  let current = url;
  for (let hop = 0; hop <= 10; hop++) {
    let response: Response;
    try {
      response = await fetch(current, { headers, redirect: 'manual', signal });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new TransferError(`cannot reach ${new URL(current).host} (${(err as Error).message})`);
    }
    linkedSha256 ??= normalizeSha256(response.headers.get('x-linked-etag'));
    const location = response.headers.get('location');
    if (!redirectStatuses.has(response.status) || !location) return { response, linkedSha256 };
    await response.body?.cancel();
    current = new URL(location, current).href;
  }
  throw new HearthError(ErrorCode.download, `Too many redirects downloading ${url}`, 502);
}

function contentLength(response: Response): number | undefined {
  const value = response.headers.get('content-length');
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** `"abc…"`, `W/"abc…"` or `sha256:abc…` → lowercase hex, when it is a SHA-256 at all. */
function normalizeSha256(value: string | null | undefined): string | undefined {
  const hex = value
    ?.trim()
    .replace(/^W\//, '')
    .replaceAll('"', '')
    .replace(/^sha256:/i, '')
    .toLowerCase();
  return hex && sha256Pattern.test(hex) ? hex : undefined;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The GGUF the embedded provider should load when none is configured: the newest complete file
 * in `<dataDir>/models/` (`.part` files are downloads in progress). Undefined when there is none.
 */
export function findPulledModel(dataDir: string): string | undefined {
  const dir = join(dataDir, 'models');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const models = names
    .filter((n) => n.toLowerCase().endsWith('.gguf'))
    .map((n) => ({ path: join(dir, n), stat: statSync(join(dir, n), { throwIfNoEntry: false }) }))
    .filter((m) => m.stat?.isFile())
    .sort((a, b) => b.stat!.mtimeMs - a.stat!.mtimeMs || a.path.localeCompare(b.path));
  return models[0]?.path;
}
