/**
 * The newest turns of recently active conversations, kept in memory so a turn does not re-read
 * its history window from disk. Only the process that writes the history keeps it current, so the
 * SQLite store drops it whenever another connection has committed (PRAGMA data_version).
 */
import type { StoredMessage } from '../../core/stores.js';

interface Window {
  /** Oldest first. */
  rows: StoredMessage[];
  /** Whether `rows` holds the whole conversation. */
  complete: boolean;
}

export class RecentCache {
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly maxRows = 100,
    private readonly maxConversations = 512,
  ) {}

  /** The cached turns when they can answer a window of `limit` turns, oldest first. */
  get(conversationId: string, limit: number): StoredMessage[] | undefined {
    const w = this.windows.get(conversationId);
    if (!w || (!w.complete && w.rows.length < limit)) return undefined;
    // Re-insert: the map's order is the eviction order (least recently used first).
    this.windows.delete(conversationId);
    this.windows.set(conversationId, w);
    return w.rows;
  }

  /** Remembers a conversation's newest turns as read from disk. */
  fill(conversationId: string, rowsOldestFirst: StoredMessage[], complete: boolean): void {
    this.windows.delete(conversationId);
    this.windows.set(conversationId, { rows: rowsOldestFirst, complete });
    if (this.windows.size > this.maxConversations) this.windows.delete(this.windows.keys().next().value!);
  }

  /** Adds a turn just written; conversations not cached are left to the next read. */
  appended(m: StoredMessage): void {
    const w = this.windows.get(m.conversationId);
    if (!w) return;
    w.rows.push(m);
    if (w.rows.length > this.maxRows) {
      w.rows.shift();
      w.complete = false;
    }
  }

  clear(): void {
    this.windows.clear();
  }
}

/** The newest rows (given oldest first) that fit `maxTokens` and `limit`, oldest first. */
export function windowOf(rows: readonly StoredMessage[], maxTokens: number, limit: number): StoredMessage[] {
  const out: StoredMessage[] = [];
  let budget = maxTokens;
  for (let i = rows.length - 1; i >= 0 && out.length < limit; i--) {
    if (rows[i].tokens > budget) break;
    budget -= rows[i].tokens;
    out.push(rows[i]);
  }
  return out.reverse();
}
