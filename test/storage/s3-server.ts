/**
 * Starts `s3rver` (an S3-compatible server on the local filesystem) on a free 127.0.0.1 port for
 * the BlobStore contract tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';

export interface S3Fake {
  endpoint: string;
  close(): Promise<void>;
}

/** Starts s3rver with an empty folder (the store under test creates its bucket). */
export async function startS3(): Promise<S3Fake> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
  const addr = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${addr.port}`,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
