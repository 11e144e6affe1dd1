/**
 * The SQLite history store on its own: `concurrency` simulated turns at a time, each doing what
 * the engine does per turn (upsert the conversation, read the window, append the user turn,
 * append the answer, record usage), on a file in WAL mode. Prints turns/s and the per-turn P50.
 * `--root CHECKOUT` loads the store of another built checkout (e.g. main) for a before/after.
 *
 *   npm run build && node dist/bench/history-store.js [--seconds 5] [--concurrency 32] [--root DIR]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HistoryStore } from '../src/core/stores.js';
import { option, ROOT } from './lib.js';

async function main(): Promise<void> {
  const seconds = Number(option('--seconds', '5'));
  const concurrency = Number(option('--concurrency', '32'));
  const root = option('--root', ROOT);
  const { SqliteHistoryStore } = (await import(
    pathToFileURL(join(root, 'dist/src/storage/history/sqlite.js')).href
  )) as {
    SqliteHistoryStore: new (file: string) => HistoryStore & { open(): Promise<void> };
  };
  const dir = mkdtempSync(join(tmpdir(), 'hearth-history-bench-'));
  const store = new SqliteHistoryStore(join(dir, 'hearth.db'));
  await store.open();
  let n = 0;
  const latencies: number[] = [];
  const turn = async () => {
    const id = `api:${++n}`;
    const now = Date.now();
    await store.upsertConversation({
      id,
      channel: 'api',
      chatId: id,
      userId: 'u',
      agent: 'default',
      createdAt: now,
      updatedAt: now,
    });
    await store.recent(id, 4000, 50);
    await store.append({
      id: `${id}-u`,
      conversationId: id,
      role: 'user',
      content: 'hello there',
      attachments: [],
      author: 'u',
      createdAt: now,
      tokens: 3,
    });
    await store.append({
      id: `${id}-a`,
      conversationId: id,
      role: 'assistant',
      content: 'You said: hello there',
      attachments: [],
      author: 'm',
      createdAt: now,
      tokens: 5,
    });
    await store.recordUsage({
      conversationId: id,
      userId: 'u',
      agent: 'default',
      model: 'm',
      provider: 'openai',
      usage: { promptTokens: 30, completionTokens: 5 },
      latencyMs: 1,
      ok: true,
      createdAt: now,
    });
  };
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const s = performance.now();
        await turn();
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `${root}: ${(latencies.length / elapsed).toFixed(0)} turns/s, P50 ${latencies[Math.floor(latencies.length / 2)].toFixed(2)} ms (c=${concurrency}, ${seconds} s, CPU ${(process.cpuUsage().user / 1000 / latencies.length).toFixed(3)} ms user per turn)`,
  );
  await (store as unknown as { close(): Promise<void> }).close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
