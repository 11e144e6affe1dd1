/**
 * `hearth migrate-store`: copies history from the embedded SQLite file into PostgreSQL (or
 * MongoDB) — the path an installation takes when it outgrows one process: conversations, turns,
 * memories and summaries. Safe to run again: turns and memories are keyed by id, so a rerun after
 * an interruption copies only what is missing.
 */
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { loadConfig } from '../core/config-load.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import type { HistoryStore } from '../core/stores.js';
import { MongoHistoryStore } from '../storage/history/mongo.js';
import { PostgresHistoryStore } from '../storage/history/postgres.js';
import { SqliteHistoryStore } from '../storage/history/sqlite.js';
import { reportConfigError } from './config-validate.js';

export interface CopyReport {
  users: number;
  conversations: number;
  messages: number;
  /** Turns the target already had (earlier, interrupted runs). */
  skipped: number;
}

/** More turns than any conversation holds (the history window's limit, lifted for a copy). */
const ALL_TURNS = 2 ** 31 - 1;

/** Copies every conversation and turn, user by user, from one history store to another. */
export async function copyHistory(
  from: HistoryStore,
  to: HistoryStore,
  onProgress?: (r: CopyReport) => void,
): Promise<CopyReport> {
  const report: CopyReport = { users: 0, conversations: 0, messages: 0, skipped: 0 };
  const all = await from.listConversations({ limit: Number.MAX_SAFE_INTEGER });
  const users = [...new Set(all.map((c) => c.userId))];
  for (const user of users) {
    // Whole conversations (every writer's turns), not the user's export: a group keeps everyone's turns.
    const conversations = all.filter((c) => c.userId === user);
    for (const c of conversations) {
      await to.upsertConversation(c);
      for (const m of await from.recent(c.id, Number.MAX_SAFE_INTEGER, ALL_TURNS)) {
        if (await to.append(m)) report.messages++;
        else report.skipped++;
      }
      // The conversation's memories (keyed by id: a rerun adds none twice) and its summary.
      for (const memory of await from.listMemories(c.id)) await to.addMemory(memory);
      const summary = await from.getSummary(c.id);
      if (summary) await to.saveSummary(summary);
    }
    report.users++;
    report.conversations += conversations.length;
    onProgress?.(report);
  }
  return report;
}

/** `--from` SQLite file (default: the configured one), `--to` a postgres:// or mongodb:// URL (default: HEARTH_HISTORY_URL). */
export async function migrateStoreCommand(opts: { from?: string; to?: string; config?: string }): Promise<void> {
  try {
    const { config } = loadConfig({ file: opts.config });
    const fromFile = opts.from ?? config.storage.history.path ?? join(resolve(config.dataDir), 'hearth.db');
    const toUrl = opts.to ?? process.env.HEARTH_HISTORY_URL ?? config.storage.history.url;
    if (!existsSync(fromFile)) throw new HearthError(ErrorCode.config, `no SQLite history at ${fromFile}`);
    if (!toUrl) throw new HearthError(ErrorCode.config, '--to <postgres://… | mongodb://…> is required');
    const to: HistoryStore = /^mongodb(\+srv)?:/.test(toUrl)
      ? new MongoHistoryStore({ url: toUrl, database: config.storage.history.database })
      : new PostgresHistoryStore({ url: toUrl });
    const from = new SqliteHistoryStore(fromFile);
    await from.open();
    await to.open();
    try {
      const r = await copyHistory(from, to);
      console.log(
        `copied ${r.users} users, ${r.conversations} conversations, ${r.messages} messages (${r.skipped} already present)`,
      );
      console.log('now set storage.history.kind and url in hearth.yml and restart');
    } finally {
      await Promise.allSettled([from.close(), to.close()]);
    }
  } catch (err) {
    reportConfigError(err);
    process.exitCode = 1;
  }
}
