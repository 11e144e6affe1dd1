/**
 * Minimal JSON-over-HTTP client for the skill protocol, over TCP or a Unix socket (sidecars).
 * node:http rather than fetch because fetch cannot dial Unix sockets without extra packages.
 */
import { request } from 'node:http';
import { ErrorCode, HearthError } from '../../../core/errors.js';

export type Endpoint = { host: string; port: number } | { socketPath: string } | { url: URL };

/** Largest skill response read; a skill answering more is cut off, not buffered without end. */
const maxResponseBytes = 4 * 1024 * 1024;

/** Sends one request and parses the JSON answer. Non-2xx answers throw with the skill's error message. */
export function callJson(
  endpoint: Endpoint,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const target =
    'url' in endpoint
      ? {
          host: endpoint.url.hostname,
          port: Number(endpoint.url.port || 80),
          path: endpoint.url.pathname.replace(/\/$/, '') + path,
        }
      : { ...endpoint, path };
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...target,
        method,
        signal,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxResponseBytes) {
            req.destroy(new HearthError(ErrorCode.tool, 'skill answer too large', 502));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          let parsed: Record<string, unknown>;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
          } catch {
            return reject(new HearthError(ErrorCode.tool, `skill answered ${res.statusCode} with invalid JSON`, 502));
          }
          if ((res.statusCode ?? 500) >= 300) {
            const message = (parsed.error as { message?: string } | undefined)?.message ?? `HTTP ${res.statusCode}`;
            return reject(new HearthError(ErrorCode.tool, message, 502));
          }
          resolve(parsed);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
