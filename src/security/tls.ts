/**
 * Native HTTPS: options for Fastify's `https` (TLS 1.2 or newer only) and hot reload of renewed
 * certificates. Renewal tools (certbot, cert-manager) replace the files in place or swap
 * symlinks, so the files are polled (`fs.watchFile` follows paths, not inodes) and a changed pair
 * is loaded with `setSecureContext`: new connections get the new certificate, open ones continue.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Server } from 'node:https';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import { ErrorCode, HearthError } from '../core/errors.js';

export interface TlsConfig {
  cert: string;
  key: string;
  ca?: string;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  reloadIntervalMs: number;
}

/** Reads the PEM files into secure-context options. */
export function readTlsFiles(c: TlsConfig): SecureContextOptions & Pick<TlsOptions, 'minVersion'> {
  try {
    return {
      cert: readFileSync(c.cert),
      key: readFileSync(c.key),
      ca: c.ca ? readFileSync(c.ca) : undefined,
      minVersion: c.minVersion,
    };
  } catch (err) {
    throw new HearthError(ErrorCode.config, `cannot read TLS files (security.tls): ${(err as Error).message}`, 500, {
      cause: err,
    });
  }
}

/** Watches the certificate files and reloads the server's context when they change. Returns a stop function. */
export function watchCertificates(server: Pick<Server, 'setSecureContext'>, c: TlsConfig, log: Logger): () => void {
  const files = [c.cert, c.key, ...(c.ca ? [c.ca] : [])];
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    // Both files change during a renewal; wait for the pair to settle before loading it.
    clearTimeout(timer);
    timer = setTimeout(
      () => {
        try {
          server.setSecureContext(readTlsFiles(c));
          log.info({ cert: c.cert }, 'TLS certificate reloaded');
        } catch (err) {
          // A half-written pair fails here; the next change retries, and the old context stays in use.
          log.error({ err: (err as Error).message }, 'TLS certificate reload failed; keeping the previous certificate');
        }
      },
      Math.min(500, c.reloadIntervalMs),
    );
  };
  const onChange = (cur: { mtimeMs: number; size: number }, prev: { mtimeMs: number; size: number }) => {
    if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) reload();
  };
  for (const f of files) watchFile(f, { interval: c.reloadIntervalMs, persistent: false }, onChange);
  return () => {
    clearTimeout(timer);
    for (const f of files) unwatchFile(f, onChange);
  };
}
