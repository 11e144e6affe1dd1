/**
 * Reads a media download into memory with a size cap: a file larger than the channel's
 * `maxMediaBytes` is refused by its Content-Length, or as soon as the bytes read pass the cap, so a
 * huge upload never fills the process's memory.
 */
import { ErrorCode, HearthError } from '../../core/errors.js';

export async function readCapped(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  const tooLarge = (size: string) =>
    new HearthError(
      ErrorCode.tooLarge,
      `the file is ${size} bytes, more than the ${maxBytes}-byte limit (maxMediaBytes)`,
      413,
    );
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(String(declared));
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (response.body) {
    // Leaving the loop early (the throw) cancels the download.
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(`over ${maxBytes}`);
      chunks.push(Buffer.from(chunk));
    }
  }
  return Buffer.concat(chunks);
}
