/**
 * Creates a file only if it does not exist yet, atomically and complete: the content is written to
 * a temporary file that is then hard-linked into place (link fails when the name exists). Replicas
 * starting at once on a shared data folder thus agree on one key instead of overwriting each other.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes `content` to `file` unless it exists; returns the content the file holds afterwards. */
export function createOnce(file: string, content: string): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  try {
    linkSync(tmp, file);
    return content;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(tmp, { force: true });
  }
}
