/**
 * A JSON document on disk with serialized updates, for the built-ins' small per-user stores.
 * Writes go through a temp file and rename so a crash never leaves half a file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export class JsonFile<T> {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly empty: () => T,
  ) {}

  async read(): Promise<T> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.empty();
      throw err;
    }
  }

  /** Applies `change` to the current document and saves it; updates run one at a time. */
  update<R>(change: (doc: T) => R): Promise<R> {
    const run = this.chain.then(async () => {
      const doc = await this.read();
      const result = change(doc);
      await mkdir(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.tmp`;
      await writeFile(tmp, JSON.stringify(doc));
      await rename(tmp, this.path);
      return result;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
