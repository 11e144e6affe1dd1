/**
 * A tiny server that answers every request with a recorded stream from `__fixtures__/`, written
 * in small slices so the providers' SSE/NDJSON parsing is exercised across read boundaries.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/**
 * The fixtures folder in the source tree. Compiled tests live in `<outDir>/test/engine/providers/`,
 * so the repository root is four levels above this file.
 */
export const fixturesDir = fileURLToPath(new URL('../../../../test/engine/providers/__fixtures__/', import.meta.url));

/** Reads a recorded stream by file name. */
export function readFixture(name: string): string {
  return readFileSync(join(fixturesDir, name), 'utf8');
}

export interface ReplayServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** Request paths received, in order. */
  paths: string[];
  close(): Promise<void>;
}

export interface ReplayOptions {
  /** Bytes per write (default 7). */
  sliceBytes?: number;
  /** Send only the lines in the first third, then end the response cleanly: a cut-off stream. */
  truncate?: boolean;
}

/** The first third of a recorded stream, cut at a line end. */
function firstThird(text: string): string {
  return text.slice(0, text.indexOf('\n', Math.floor(text.length / 3)) + 1);
}

/** Serves `fixture` (raw wire bytes) with `contentType` to every request, a few bytes at a time. */
export async function startReplayServer(
  fixture: string,
  contentType: string,
  options: ReplayOptions = {},
): Promise<ReplayServer> {
  const text = readFixture(fixture);
  const bytes = Buffer.from(options.truncate ? firstThird(text) : text, 'utf8');
  const sliceBytes = options.sliceBytes ?? 7;
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '/');
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': contentType });
      let offset = 0;
      const writeSlice = () => {
        if (res.destroyed) return;
        if (offset >= bytes.length) return void res.end();
        res.write(bytes.subarray(offset, offset + sliceBytes));
        offset += sliceBytes;
        setImmediate(writeSlice);
      };
      writeSlice();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
