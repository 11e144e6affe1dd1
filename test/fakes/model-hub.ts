/**
 * A fake of the Hugging Face hub's file download, faithful to what `hearth models pull` relies on:
 * `GET /<repo>/resolve/main/<file>` answers 302 with `X-Linked-Etag: "<sha256>"` and
 * `X-Linked-Size`, pointing at a CDN path that serves the bytes with `ETag: "<sha256>"`,
 * `Content-Length`, `Accept-Ranges: bytes` and `Range` → 206 / 416. Switches let a test turn
 * Range support off, serve directly without the redirect, lie about the checksum, or cut the
 * connection part-way through the body.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ModelHubOptions {
  /** Files by hub path, e.g. `Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/model.gguf`. */
  files: Record<string, Buffer>;
  /** Honour `Range` (default true). When false, every GET gets the whole file with 200. */
  ranges?: boolean;
  /** Answer the resolve URL with the hub's redirect (default true) or serve it directly. */
  redirect?: boolean;
  /** Checksum headers to send: the real one (default), a wrong one, or none. */
  checksum?: 'real' | 'wrong' | 'none';
}

export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
}

export interface ModelHub {
  /** Base URL, e.g. `http://127.0.0.1:12345`, for `models.download.baseUrl`. */
  url: string;
  /** Every request, redirects included, in order. */
  requests: RecordedRequest[];
  /** Byte requests only (the CDN hop, or the direct download). */
  fileRequests(): RecordedRequest[];
  /** The next `count` file responses stop after `bytes` body bytes and drop the connection. */
  cutNext(bytes: number, count?: number): void;
  close(): Promise<void>;
}

const cdnPrefix = '/cdn/';

/** Starts the fake hub on 127.0.0.1 and a free port. */
export async function startModelHub(options: ModelHubOptions): Promise<ModelHub> {
  const requests: RecordedRequest[] = [];
  const files = new Map(Object.entries(options.files).map(([p, data]) => [`/${p.replace(/^\/+/, '')}`, data]));
  const shaOf = new Map([...files].map(([p, data]) => [p, createHash('sha256').update(data).digest('hex')]));
  const cuts: number[] = [];

  const advertised = (path: string): string | undefined => {
    if (options.checksum === 'none') return undefined;
    if (options.checksum === 'wrong') return 'f'.repeat(64);
    return shaOf.get(path);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    requests.push({ path: url.pathname, headers: req.headers });
    const direct = files.has(url.pathname) && options.redirect === false;
    const viaCdn = url.pathname.startsWith(cdnPrefix);
    const path = viaCdn ? decodeURIComponent(url.pathname.slice(cdnPrefix.length)) : url.pathname;
    const data = files.get(path);
    const sha = advertised(path);
    if (!data || (!viaCdn && !direct && !files.has(url.pathname))) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
      return;
    }
    if (!viaCdn && !direct) {
      const headers: Record<string, string> = {
        location: `${cdnPrefix}${encodeURIComponent(path)}`,
        'x-linked-size': String(data.length),
        'content-length': '0',
      };
      if (sha) headers['x-linked-etag'] = `"${sha}"`;
      res.writeHead(302, headers).end();
      return;
    }
    serveBytes(req.headers.range, data, sha, res);
  });

  function serveBytes(
    range: string | undefined,
    data: Buffer,
    sha: string | undefined,
    res: import('node:http').ServerResponse,
  ): void {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (sha) headers.etag = `"${sha}"`;
    let body = data;
    let status = 200;
    const match = options.ranges === false ? null : /^bytes=(\d+)-(\d*)$/.exec(range ?? '');
    if (options.ranges !== false) headers['accept-ranges'] = 'bytes';
    if (match) {
      const start = Number(match[1]);
      const end = match[2] ? Math.min(Number(match[2]), data.length - 1) : data.length - 1;
      if (start >= data.length) {
        res.writeHead(416, { ...headers, 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      body = data.subarray(start, end + 1);
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${data.length}`;
    }
    headers['content-length'] = String(body.length);
    res.writeHead(status, headers);
    const cut = cuts.shift();
    if (cut === undefined || cut >= body.length) {
      res.end(body);
      return;
    }
    // Send part of the body, then drop the socket as a flaky network would.
    res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fileRequests: () =>
      requests.filter((r) => r.path.startsWith(cdnPrefix) || (options.redirect === false && files.has(r.path))),
    cutNext(bytes, count = 1) {
      for (let i = 0; i < count; i++) cuts.push(bytes);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
