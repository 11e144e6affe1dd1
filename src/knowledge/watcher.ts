/**
 * Watched folders (`knowledge.folders`): every supported file under a folder is a document of its
 * collection. A scan at start, on file-change events (debounced) and every `intervalMs` adds new
 * files, re-indexes changed ones (size or mtime moved; the content hash decides) and removes the
 * documents of deleted files. Polling backs the events up: recursive fs.watch misses changes on
 * some file systems (network mounts, containers' bind mounts).
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { detectKind } from './extract/detect.js';

export interface WatchedFolder {
  collection: string;
  path: string;
  intervalMs: number;
}

export interface FolderSink {
  /** A file appeared or changed. */
  upsertFile(collection: string, path: string): Promise<void>;
  /** Paths of files this folder fed earlier (documents with a `file` source under it). */
  knownFiles(collection: string, folder: string): Promise<string[]>;
  removeFile(collection: string, path: string): Promise<void>;
}

export class FolderWatcher {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly watchers: FSWatcher[] = [];
  private readonly seen = new Map<string, string>();
  private readonly scanning = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly folders: WatchedFolder[],
    private readonly sink: FolderSink,
    private readonly log: Logger,
  ) {}

  start(): void {
    for (const folder of this.folders) {
      const f = { ...folder, path: resolve(folder.path) };
      void this.scan(f);
      this.timers.push(setInterval(() => void this.scan(f), f.intervalMs));
      let debounce: NodeJS.Timeout | undefined;
      try {
        const w = watch(f.path, { recursive: true }, () => {
          clearTimeout(debounce);
          debounce = setTimeout(() => void this.scan(f), 300);
        });
        w.on('error', () => undefined);
        this.watchers.push(w);
        w.on('close', () => clearTimeout(debounce));
      } catch (err) {
        this.log.warn(
          { folder: f.path, err: { message: (err as Error).message } },
          'cannot watch the folder; it is rescanned every intervalMs',
        );
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const w of this.watchers) w.close();
  }

  /** One pass over a folder (scans of one folder never overlap). */
  scan(folder: WatchedFolder): Promise<void> {
    const running = this.scanning.get(folder.path);
    if (running) return running;
    const job = this.scanOnce(folder).finally(() => this.scanning.delete(folder.path));
    this.scanning.set(folder.path, job);
    return job;
  }

  private async scanOnce(folder: WatchedFolder): Promise<void> {
    if (this.stopped) return;
    try {
      const files = await listFiles(folder.path);
      const present = new Set<string>();
      for (const file of files) {
        if (!detectKind(file, undefined, Buffer.alloc(0))) continue;
        present.add(file);
        const info = await stat(file).catch(() => undefined);
        if (!info) continue;
        const mark = `${info.size}:${info.mtimeMs}`;
        if (this.seen.get(file) === mark) continue;
        this.seen.set(file, mark);
        await this.sink.upsertFile(folder.collection, file);
      }
      for (const known of await this.sink.knownFiles(folder.collection, folder.path)) {
        if (present.has(known)) continue;
        this.seen.delete(known);
        await this.sink.removeFile(folder.collection, known);
      }
    } catch (err) {
      this.log.warn(
        { folder: folder.path, collection: folder.collection, err: { message: (err as Error).message } },
        'watched folder scan failed',
      );
    }
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}
