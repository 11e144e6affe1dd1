/**
 * SQLite history (better-sqlite3): the embedded default. Synchronous calls are fine here: each is
 * a sub-millisecond local read or write, and WAL mode keeps readers off the writer's back. The
 * writes of a turn (conversation, messages, usage) are group-committed: all writes asked for in
 * one event-loop turn share one transaction (write-batch.ts), each resolving after the commit; a
 * read that must see a pending write commits the batch first.
 */
import { openDatabase, type SqliteDatabase } from '../sqlite-driver.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Usage } from '../../core/message.js';
import type {
  Conversation,
  ConversationMemory,
  ConversationSummary,
  DailyUsage,
  HistoryStore,
  MessageBodySource,
  PruneResult,
  StoredMessage,
  UsageRecord,
  UserHistory,
  UserHistoryDeletion,
} from '../../core/stores.js';
import { HearthError, ErrorCode } from '../../core/errors.js';
import { sqliteMigrations } from './sqlite-migrations.js';
import { RecentCache, windowOf } from './recent-cache.js';
import { WriteBatch } from './write-batch.js';
import {
  approvedSenderFromRow,
  blobKeysOf,
  conversationFromRow,
  dailyUsage,
  memoryFromRow,
  othersWroteSql,
  ownTurnSql,
  storedMessageFromRow,
  summaryFromRow,
  usageFromRow,
  userConversationsSql,
  type Row,
} from './rows.js';

export class SqliteHistoryStore implements HistoryStore, MessageBodySource {
  private db?: SqliteDatabase;
  private stmts!: ReturnType<SqliteHistoryStore['prepare']>;
  private readonly cache = new RecentCache();
  private dataVersion = -1;
  private writes?: WriteBatch;
  /** Conversations with a message write not yet committed (a read of them commits first). */
  private readonly pendingMessages = new Set<string>();

  constructor(private readonly file: string) {}

  async open(): Promise<void> {
    if (this.file !== ':memory:') mkdirSync(dirname(this.file), { recursive: true });
    const db = openDatabase(this.file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    try {
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    this.stmts = this.prepare(db);
    this.writes = new WriteBatch(db, (failed) => {
      this.pendingMessages.clear();
      // A rolled-back batch may have added turns to the cache that are not on disk.
      if (failed) this.cache.clear();
    });
  }

  private prepare(db: SqliteDatabase) {
    return {
      upsertConv: db.prepare(
        `INSERT INTO conversations (id, channel, chat_id, user_id, agent, title, created_at, updated_at)
         VALUES (@id, @channel, @chatId, @userId, @agent, @title, @createdAt, @updatedAt)
         ON CONFLICT(id) DO UPDATE SET agent = excluded.agent, updated_at = excluded.updated_at,
           title = COALESCE(conversations.title, excluded.title)`,
      ),
      setTitle: db.prepare('UPDATE conversations SET title = ? WHERE id = ?'),
      deleteConv: db.prepare('DELETE FROM conversations WHERE id = ?'),
      getConv: db.prepare('SELECT * FROM conversations WHERE id = ?'),
      append: db.prepare(
        `INSERT OR IGNORE INTO messages (id, conversation_id, role, content, attachments, author, created_at, tokens)
         VALUES (@id, @conversationId, @role, @content, @attachments, @author, @createdAt, @tokens)`,
      ),
      recent: db.prepare('SELECT * FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?'),
      usage: db.prepare(
        `INSERT INTO usage (conversation_id, user_id, agent, model, provider, prompt_tokens, completion_tokens,
           cached_prompt_tokens, latency_ms, ok, created_at, cost_usd)
         VALUES (@conversationId, @userId, @agent, @model, @provider, @promptTokens, @completionTokens,
           @cachedPromptTokens, @latencyMs, @ok, @createdAt, @costUsd)`,
      ),
      deleteUserUsage: db.prepare('DELETE FROM usage WHERE user_id = ?'),
      approved: db.prepare('SELECT 1 FROM approved_senders WHERE channel = ? AND sender_id = ?'),
      hasMessage: db.prepare('SELECT 1 FROM messages WHERE id = ?'),
      getSummary: db.prepare('SELECT * FROM conversation_summaries WHERE conversation_id = ?'),
      saveSummary: db.prepare(
        `INSERT INTO conversation_summaries (conversation_id, content, through_message_id, updated_at)
         SELECT @conversationId, @content, @throughMessageId, @updatedAt WHERE EXISTS (SELECT 1 FROM conversations WHERE id = @conversationId)
         ON CONFLICT(conversation_id) DO UPDATE SET content = excluded.content,
           through_message_id = excluded.through_message_id, updated_at = excluded.updated_at`,
      ),
      addMemory: db.prepare(
        `INSERT OR IGNORE INTO conversation_memories (id, conversation_id, user_id, content, created_at)
         VALUES (@id, @conversationId, @userId, @content, @createdAt)`,
      ),
      listMemories: db.prepare(
        'SELECT * FROM conversation_memories WHERE conversation_id = ? ORDER BY created_at, seq',
      ),
      deleteMemory: db.prepare('DELETE FROM conversation_memories WHERE conversation_id = ? AND id = ?'),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
    };
  }

  /** Statements are prepared at open; this fails the call clearly when the store was closed. */
  private assertOpen(): void {
    void this.conn;
  }

  private get conn(): SqliteDatabase {
    if (!this.db) throw new HearthError(ErrorCode.storage, 'history store is not open', 503);
    return this.db;
  }

  /** The connection, with every pending write committed (for reads and out-of-turn writes). */
  private get flushed(): SqliteDatabase {
    const db = this.conn;
    this.writes!.flush();
    return db;
  }

  /** Commits every pending write (a read that must see them calls this first). */
  private flush(): void {
    this.assertOpen();
    this.writes!.flush();
  }

  async upsertConversation(c: Conversation): Promise<void> {
    this.assertOpen();
    await this.writes!.run(() => this.stmts.upsertConv.run({ ...c, title: c.title ?? null }));
  }

  async appendTurn(c: Conversation, m: StoredMessage): Promise<boolean> {
    // Both queued before either commits: one batch, one commit, in this order (the turn's foreign key).
    const [, isNew] = await Promise.all([this.upsertConversation(c), this.append(m)]);
    return isNew;
  }

  async setConversationTitle(id: string, title: string): Promise<void> {
    this.flush();
    this.stmts.setTitle.run(title, id);
  }

  async deleteConversation(id: string): Promise<boolean> {
    this.flush();
    this.cache.clear();
    // Its turns go with it (ON DELETE CASCADE); its usage stays, it counts against budgets.
    return this.stmts.deleteConv.run(id).changes > 0;
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    this.flush();
    const row = this.stmts.getConv.get(id) as Row | undefined;
    return row ? conversationFromRow(row) : undefined;
  }

  async append(m: StoredMessage): Promise<boolean> {
    this.assertOpen();
    const row = { ...m, attachments: m.attachments.length ? JSON.stringify(m.attachments) : null };
    this.pendingMessages.add(m.conversationId);
    return this.writes!.run(() => {
      const r = this.stmts.append.run(row);
      if (r.changes > 0) this.cache.appended(m);
      return r.changes > 0;
    });
  }

  async hasMessage(id: string): Promise<boolean> {
    this.assertOpen();
    if (this.pendingMessages.size > 0) this.writes!.flush();
    return this.stmts.hasMessage.get(id) !== undefined;
  }

  async deleteLastAnswer(conversationId: string): Promise<number> {
    const { changes } = this.flushed
      .prepare(
        `DELETE FROM messages WHERE conversation_id = ? AND role <> 'user'
           AND seq > (SELECT MAX(seq) FROM messages WHERE conversation_id = ? AND role = 'user')`,
      )
      .run(conversationId, conversationId);
    if (changes > 0) this.cache.clear();
    return Number(changes);
  }

  async recent(conversationId: string, maxTokens: number, limit = 200): Promise<StoredMessage[]> {
    this.assertOpen();
    if (this.pendingMessages.has(conversationId)) this.writes!.flush();
    // Another connection (the CLI deleting a user, a second process) committed: the cache may be stale.
    const version = this.stmts.dataVersion.get() as number;
    if (version !== this.dataVersion) {
      this.cache.clear();
      this.dataVersion = version;
    }
    const cached = this.cache.get(conversationId, limit);
    if (cached) return windowOf(cached, maxTokens, limit);
    const read = Math.max(limit, this.cache.maxRows);
    const rows = (this.stmts.recent.all(conversationId, read) as Row[]).map(toStoredMessage).reverse();
    if (read === this.cache.maxRows) this.cache.fill(conversationId, rows, rows.length < read);
    return windowOf(rows, maxTokens, limit);
  }

  async recordUsage(u: UsageRecord): Promise<void> {
    this.assertOpen();
    const row = {
      conversationId: u.conversationId,
      userId: u.userId,
      agent: u.agent,
      model: u.model,
      provider: u.provider,
      promptTokens: u.usage.promptTokens,
      completionTokens: u.usage.completionTokens,
      cachedPromptTokens: u.usage.cachedPromptTokens ?? 0,
      latencyMs: Math.round(u.latencyMs),
      ok: u.ok ? 1 : 0,
      createdAt: u.createdAt,
      costUsd: u.costUsd ?? null,
    };
    await this.writes!.run(() => this.stmts.usage.run(row));
  }

  async usageByDay(filter: { userId?: string; agent?: string; since: number; until?: number }): Promise<DailyUsage[]> {
    const where = ['created_at >= @since', 'created_at < @until'];
    if (filter.userId !== undefined) where.push('user_id = @userId');
    if (filter.agent !== undefined) where.push('agent = @agent');
    const rows = this.flushed
      .prepare(
        `SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') day, user_id, agent, model,
           SUM(prompt_tokens) p, SUM(completion_tokens) c, SUM(cached_prompt_tokens) k, COALESCE(SUM(cost_usd), 0) usd, COUNT(*) n
         FROM usage WHERE ${where.join(' AND ')} GROUP BY day, user_id, agent, model ORDER BY day, user_id, agent, model`,
      )
      .all({ ...filter, until: filter.until ?? Number.MAX_SAFE_INTEGER }) as Row[];
    return rows.map(dailyUsage);
  }

  async usageSince(filter: { userId?: string; agent?: string }, since: number): Promise<Usage> {
    const where = ['created_at >= @since'];
    if (filter.userId !== undefined) where.push('user_id = @userId');
    if (filter.agent !== undefined) where.push('agent = @agent');
    const row = this.flushed
      .prepare(
        `SELECT COALESCE(SUM(prompt_tokens),0) p, COALESCE(SUM(completion_tokens),0) c, COALESCE(SUM(cached_prompt_tokens),0) k
         FROM usage WHERE ${where.join(' AND ')}`,
      )
      .get({ since, ...filter }) as Row;
    return { promptTokens: Number(row.p), completionTokens: Number(row.c), cachedPromptTokens: Number(row.k) };
  }

  async listConversations(filter: { userId?: string; channel?: string; limit?: number }): Promise<Conversation[]> {
    const where: string[] = [];
    if (filter.userId !== undefined) where.push('user_id = @userId');
    if (filter.channel !== undefined) where.push('channel = @channel');
    const rows = this.flushed
      .prepare(
        `SELECT * FROM conversations ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY updated_at DESC LIMIT @limit`,
      )
      .all({ ...filter, limit: filter.limit ?? 100 }) as Row[];
    return rows.map(conversationFromRow);
  }

  async deleteUser(userId: string): Promise<UserHistoryDeletion> {
    this.cache.clear();
    const db = this.flushed;
    const tx = db.transaction((u: string) => {
      // A summary may quote anyone who wrote in its conversation: it goes (it is rewritten from what stays).
      db.prepare(
        `DELETE FROM conversation_summaries WHERE conversation_id IN (SELECT id FROM conversations WHERE ${userConversationsSql('@u')})`,
      ).run({ u });
      const conversations = db
        .prepare(
          `DELETE FROM conversations WHERE ${userConversationsSql('@u')} AND NOT ${othersWroteSql('conversations.id', '@u')}`,
        )
        .run({ u }).changes;
      const messages = db.prepare(`DELETE FROM messages WHERE ${ownTurnSql('messages', '@u')}`).run({ u }).changes;
      // A shared conversation they started now belongs to the earliest remaining writer.
      db.prepare(
        `UPDATE conversations SET user_id = COALESCE((SELECT author FROM messages WHERE conversation_id = conversations.id
           AND role = 'user' ORDER BY seq LIMIT 1), '') WHERE user_id = @u`,
      ).run({ u });
      const usage = this.stmts.deleteUserUsage.run(u).changes;
      const approvedSenders = db.prepare('DELETE FROM approved_senders WHERE sender_id = ?').run(u).changes;
      const memories = db.prepare('DELETE FROM conversation_memories WHERE user_id = ?').run(u).changes;
      return { conversations, messages, usage, approvedSenders, memories };
    });
    return tx(userId);
  }

  async exportUser(userId: string): Promise<UserHistory> {
    const db = this.flushed;
    const u = { u: userId };
    const conversations = (
      db.prepare(`SELECT * FROM conversations WHERE ${userConversationsSql('@u')} ORDER BY created_at`).all(u) as Row[]
    ).map(conversationFromRow);
    const messages = (
      db
        .prepare(
          `SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id
           WHERE ${userConversationsSql('@u', 'c')}
             AND (${ownTurnSql('m', '@u')} OR NOT ${othersWroteSql('m.conversation_id', '@u')})
           ORDER BY m.conversation_id, m.seq`,
        )
        .all(u) as Row[]
    ).map(toStoredMessage);
    const usage = (db.prepare('SELECT * FROM usage WHERE user_id = ? ORDER BY seq').all(userId) as Row[]).map(
      usageFromRow,
    );
    const approvedSenders = (
      db.prepare('SELECT * FROM approved_senders WHERE sender_id = ? ORDER BY channel').all(userId) as Row[]
    ).map(approvedSenderFromRow);
    const memories = (
      db.prepare('SELECT * FROM conversation_memories WHERE user_id = ? ORDER BY seq').all(userId) as Row[]
    ).map(memoryFromRow);
    const summaries = (
      db
        .prepare(
          `SELECT s.* FROM conversation_summaries s JOIN conversations c ON c.id = s.conversation_id
           WHERE ${userConversationsSql('@u', 'c')} AND NOT ${othersWroteSql('c.id', '@u')} ORDER BY s.conversation_id`,
        )
        .all(u) as Row[]
    ).map(summaryFromRow);
    return { conversations, messages, usage, approvedSenders, memories, summaries };
  }

  async pruneMessages(filter: {
    before: number;
    channels?: string[];
    exceptChannels?: string[];
  }): Promise<PruneResult> {
    this.cache.clear();
    const db = this.flushed;
    const params = {
      before: filter.before,
      channels: JSON.stringify(filter.channels ?? []),
      except: JSON.stringify(filter.exceptChannels ?? []),
    };
    const ofChannel = filter.channels
      ? 'channel IN (SELECT value FROM json_each(@channels))'
      : 'channel NOT IN (SELECT value FROM json_each(@except))';
    const expired = `created_at < @before AND conversation_id IN (SELECT id FROM conversations WHERE ${ofChannel})`;
    const tx = db.transaction(() => {
      const withFiles = db
        .prepare(`SELECT attachments FROM messages WHERE ${expired} AND attachments IS NOT NULL`)
        .all(params) as Row[];
      const blobKeys = withFiles.flatMap((r) => blobKeysOf(JSON.parse(String(r.attachments))));
      const messages = db.prepare(`DELETE FROM messages WHERE ${expired}`).run(params).changes;
      const conversations = db
        .prepare(
          `DELETE FROM conversations WHERE updated_at < @before AND ${ofChannel}
             AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation_id = conversations.id)`,
        )
        .run(params).changes;
      return { messages, conversations, blobKeys };
    });
    return tx();
  }

  async getSummary(conversationId: string): Promise<ConversationSummary | undefined> {
    this.flush();
    const row = this.stmts.getSummary.get(conversationId) as Row | undefined;
    return row ? summaryFromRow(row) : undefined;
  }

  async saveSummary(summary: ConversationSummary): Promise<void> {
    this.flush();
    this.stmts.saveSummary.run(summary);
  }

  async addMemory(m: ConversationMemory): Promise<void> {
    this.flush();
    this.stmts.addMemory.run(m);
  }

  async listMemories(conversationId: string): Promise<ConversationMemory[]> {
    this.flush();
    return (this.stmts.listMemories.all(conversationId) as Row[]).map(memoryFromRow);
  }

  async deleteMemory(conversationId: string, id: string): Promise<boolean> {
    this.flush();
    return this.stmts.deleteMemory.run(conversationId, id).changes > 0;
  }

  async approveSender(channel: string, senderId: string): Promise<void> {
    this.flushed
      .prepare('INSERT OR IGNORE INTO approved_senders (channel, sender_id, approved_at) VALUES (?, ?, ?)')
      .run(channel, senderId, Date.now());
  }

  async isSenderApproved(channel: string, senderId: string): Promise<boolean> {
    this.flush();
    return this.stmts.approved.get(channel, senderId) !== undefined;
  }

  /** Every message body, for key rotation (`MessageBodySource`). */
  async *messageBodies(): AsyncIterable<{ id: string; content: string }> {
    // A page at a time: the connection cannot write (replaceMessageBody) while a read is open.
    const page = this.flushed.prepare('SELECT seq, id, content FROM messages WHERE seq > ? ORDER BY seq LIMIT 500');
    for (let after = 0; ;) {
      const rows = page.all(after) as Array<{ seq: number; id: string; content: string }>;
      if (rows.length === 0) return;
      for (const r of rows) yield { id: r.id, content: r.content };
      after = rows[rows.length - 1].seq;
    }
  }

  async replaceMessageBody(id: string, expected: string, content: string): Promise<boolean> {
    this.cache.clear();
    return (
      this.flushed.prepare('UPDATE messages SET content = ? WHERE id = ? AND content = ?').run(content, id, expected)
        .changes > 0
    );
  }

  /** The schema version the database is at (for tests and `hearth doctor`). */
  schemaVersion(): number {
    return Number(this.flushed.pragma('user_version', { simple: true }));
  }

  async close(): Promise<void> {
    this.writes?.flush();
    this.db?.close();
    this.db = undefined;
  }
}

/**
 * Runs pending migrations, all in one transaction: a failing step rolls back every step of this
 * run, so the file stays exactly as the previous release left it.
 */
export function migrate(db: SqliteDatabase): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > sqliteMigrations.length) {
    throw new HearthError(
      ErrorCode.storage,
      `history database is at schema ${current}, newer than this release knows (${sqliteMigrations.length}); upgrade Hearth`,
    );
  }
  const pending = sqliteMigrations.slice(current);
  if (pending.length === 0) return;
  db.transaction(() => {
    for (const step of pending) db.exec(step);
    db.pragma(`user_version = ${sqliteMigrations.length}`);
  })();
}

/** TEXT: the column holds the attachments as JSON text. */
function toStoredMessage(row: Row): StoredMessage {
  return storedMessageFromRow(row, row.attachments ? JSON.parse(String(row.attachments)) : []);
}
