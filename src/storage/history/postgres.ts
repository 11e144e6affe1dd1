/**
 * PostgreSQL history (`pg`): the scaled shape's history, shared by every engine and gateway
 * replica. Migrations run on open (or with `hearth migrate`) under an advisory lock, so replicas
 * starting together migrate once; all pending steps run in one transaction, so a failing step
 * leaves the database exactly as the previous release left it.
 */
import pg from 'pg';
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
import { ErrorCode, HearthError } from '../../core/errors.js';
import { postgresMigrations } from './postgres-migrations.js';
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

/** Arbitrary constant naming Hearth's migration lock among other applications' advisory locks. */
const MIGRATION_LOCK = 0x48_45_41_52; // "HEAR"

export interface PostgresHistoryOptions {
  url: string;
  poolSize?: number;
  /** Run pending migrations on open; when false, open fails if the schema is behind. */
  autoMigrate?: boolean;
  /** Schema holding the tables (default: the connection's search_path, normally `public`). */
  schema?: string;
}

export class PostgresHistoryStore implements HistoryStore, MessageBodySource {
  private pool?: pg.Pool;

  constructor(private readonly options: PostgresHistoryOptions) {}

  async open(): Promise<void> {
    const { schema } = this.options;
    if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new HearthError(ErrorCode.config, `invalid PostgreSQL schema name "${schema}"`);
    const pool = new pg.Pool({
      connectionString: this.options.url,
      max: this.options.poolSize ?? 10,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    pool.on('error', () => undefined); // an idle client lost its server; the pool replaces it
    try {
      if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      if (this.options.autoMigrate ?? true) await migratePostgres(pool);
      else {
        const { current, latest } = await postgresSchemaVersion(pool);
        if (current < latest)
          throw new HearthError(
            ErrorCode.storage,
            `history database is at schema ${current} of ${latest}; run \`hearth migrate\``,
            503,
          );
      }
    } catch (err) {
      await pool.end();
      throw err instanceof HearthError
        ? err
        : new HearthError(ErrorCode.storage, `PostgreSQL: ${(err as Error).message}`, 503, { cause: err });
    }
    this.pool = pool;
  }

  private get db(): pg.Pool {
    if (!this.pool) throw new HearthError(ErrorCode.storage, 'history store is not open', 503);
    return this.pool;
  }

  async upsertConversation(c: Conversation): Promise<void> {
    await this.db.query(
      `INSERT INTO conversations (id, channel, chat_id, user_id, agent, created_at, updated_at, title)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
       ON CONFLICT (id) DO UPDATE SET agent = EXCLUDED.agent, updated_at = EXCLUDED.updated_at,
         title = COALESCE(conversations.title, EXCLUDED.title)`,
      [c.id, c.channel, c.chatId, c.userId, c.agent, c.createdAt, c.updatedAt, c.title ?? null],
    );
  }

  async appendTurn(c: Conversation, m: StoredMessage): Promise<boolean> {
    await this.upsertConversation(c);
    return this.append(m);
  }

  async setConversationTitle(id: string, title: string): Promise<void> {
    await this.db.query('UPDATE conversations SET title = $1 WHERE id = $2', [title, id]);
  }

  async deleteConversation(id: string): Promise<boolean> {
    // Its turns go with it (ON DELETE CASCADE); its usage stays, it counts against budgets.
    const r = await this.db.query('DELETE FROM conversations WHERE id = $1', [id]);
    return (r.rowCount ?? 0) > 0;
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    const r = await this.db.query('SELECT * FROM conversations WHERE id = $1', [id]);
    return r.rows[0] ? conversationFromRow(r.rows[0]) : undefined;
  }

  async append(m: StoredMessage): Promise<boolean> {
    const r = await this.db.query(
      `INSERT INTO messages (id, conversation_id, role, content, attachments, author, created_at, tokens)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (id) DO NOTHING`,
      [
        m.id,
        m.conversationId,
        m.role,
        m.content,
        m.attachments.length ? JSON.stringify(m.attachments) : null,
        m.author,
        m.createdAt,
        m.tokens,
      ],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async hasMessage(id: string): Promise<boolean> {
    const r = await this.db.query('SELECT 1 FROM messages WHERE id = $1', [id]);
    return r.rowCount! > 0;
  }

  async deleteLastAnswer(conversationId: string): Promise<number> {
    // The same order as `recent`: creation time, then insertion order.
    const r = await this.db.query(
      `DELETE FROM messages WHERE conversation_id = $1 AND role <> 'user'
         AND (created_at, seq) > (SELECT created_at, seq FROM messages WHERE conversation_id = $1 AND role = 'user'
                                  ORDER BY created_at DESC, seq DESC LIMIT 1)`,
      [conversationId],
    );
    return r.rowCount ?? 0;
  }

  async recent(conversationId: string, maxTokens: number, limit = 200): Promise<StoredMessage[]> {
    const r = await this.db.query(
      'SELECT * FROM messages WHERE conversation_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2',
      [conversationId, limit],
    );
    const out: StoredMessage[] = [];
    let budget = maxTokens;
    for (const row of r.rows as Row[]) {
      const tokens = Number(row.tokens);
      if (tokens > budget) break;
      budget -= tokens;
      out.push(toStoredMessage(row));
    }
    return out.reverse();
  }

  async recordUsage(u: UsageRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO usage (conversation_id, user_id, agent, model, provider, prompt_tokens, completion_tokens, cached_prompt_tokens, latency_ms, ok, created_at, cost_usd)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
      [
        u.conversationId,
        u.userId,
        u.agent,
        u.model,
        u.provider,
        u.usage.promptTokens,
        u.usage.completionTokens,
        u.usage.cachedPromptTokens ?? 0,
        Math.round(u.latencyMs),
        u.ok,
        u.createdAt,
        u.costUsd ?? null,
      ],
    );
  }

  async usageByDay(filter: { userId?: string; agent?: string; since: number; until?: number }): Promise<DailyUsage[]> {
    const params: unknown[] = [filter.since, filter.until ?? Number.MAX_SAFE_INTEGER];
    const where = ['created_at >= $1', 'created_at < $2'];
    if (filter.userId !== undefined) where.push(`user_id = $${params.push(filter.userId)}`);
    if (filter.agent !== undefined) where.push(`agent = $${params.push(filter.agent)}`);
    const r = await this.db.query(
      `SELECT to_char(to_timestamp(created_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, user_id, agent, model,
         SUM(prompt_tokens) p, SUM(completion_tokens) c, SUM(cached_prompt_tokens) k, COALESCE(SUM(cost_usd), 0) usd, COUNT(*) n
       FROM usage WHERE ${where.join(' AND ')} GROUP BY 1, user_id, agent, model ORDER BY 1, user_id, agent, model`,
      params,
    );
    return (r.rows as Row[]).map(dailyUsage);
  }

  async usageSince(filter: { userId?: string; agent?: string }, since: number): Promise<Usage> {
    const params: unknown[] = [since];
    const where = ['created_at >= $1'];
    if (filter.userId !== undefined) where.push(`user_id = $${params.push(filter.userId)}`);
    if (filter.agent !== undefined) where.push(`agent = $${params.push(filter.agent)}`);
    const r = await this.db.query(
      `SELECT COALESCE(SUM(prompt_tokens),0) p, COALESCE(SUM(completion_tokens),0) c, COALESCE(SUM(cached_prompt_tokens),0) k
       FROM usage WHERE ${where.join(' AND ')}`,
      params,
    );
    const row = r.rows[0] as Row;
    return { promptTokens: Number(row.p), completionTokens: Number(row.c), cachedPromptTokens: Number(row.k) };
  }

  async listConversations(filter: { userId?: string; channel?: string; limit?: number }): Promise<Conversation[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.userId !== undefined) where.push(`user_id = $${params.push(filter.userId)}`);
    if (filter.channel !== undefined) where.push(`channel = $${params.push(filter.channel)}`);
    const r = await this.db.query(
      `SELECT * FROM conversations ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY updated_at DESC LIMIT $${params.push(filter.limit ?? 100)}`,
      params,
    );
    return r.rows.map(conversationFromRow);
  }

  async deleteUser(userId: string): Promise<UserHistoryDeletion> {
    return this.transaction(async (client) => {
      // A summary may quote anyone who wrote in its conversation: it goes (it is rewritten from what stays).
      await client.query(
        `DELETE FROM conversation_summaries WHERE conversation_id IN (SELECT id FROM conversations WHERE ${userConversationsSql('$1')})`,
        [userId],
      );
      const conversations = await client.query(
        `DELETE FROM conversations WHERE ${userConversationsSql('$1')} AND NOT ${othersWroteSql('conversations.id', '$1')}`,
        [userId],
      );
      const messages = await client.query(`DELETE FROM messages WHERE ${ownTurnSql('messages', '$1')}`, [userId]);
      // A shared conversation they started now belongs to the earliest remaining writer.
      await client.query(
        `UPDATE conversations SET user_id = COALESCE((SELECT author FROM messages WHERE conversation_id = conversations.id
           AND role = 'user' ORDER BY seq LIMIT 1), '') WHERE user_id = $1`,
        [userId],
      );
      const usage = await client.query('DELETE FROM usage WHERE user_id = $1', [userId]);
      const approved = await client.query('DELETE FROM approved_senders WHERE sender_id = $1', [userId]);
      const memories = await client.query('DELETE FROM conversation_memories WHERE user_id = $1', [userId]);
      return {
        memories: memories.rowCount ?? 0,
        conversations: conversations.rowCount ?? 0,
        messages: messages.rowCount ?? 0,
        usage: usage.rowCount ?? 0,
        approvedSenders: approved.rowCount ?? 0,
      };
    });
  }

  async exportUser(userId: string): Promise<UserHistory> {
    const convs = await this.db.query(
      `SELECT * FROM conversations WHERE ${userConversationsSql('$1')} ORDER BY created_at`,
      [userId],
    );
    const msgs = await this.db.query(
      `SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE ${userConversationsSql('$1', 'c')} AND (${ownTurnSql('m', '$1')} OR NOT ${othersWroteSql('m.conversation_id', '$1')})
       ORDER BY m.conversation_id, m.seq`,
      [userId],
    );
    const usage = await this.db.query('SELECT * FROM usage WHERE user_id = $1 ORDER BY seq', [userId]);
    const approved = await this.db.query('SELECT * FROM approved_senders WHERE sender_id = $1 ORDER BY channel', [
      userId,
    ]);
    const memories = await this.db.query('SELECT * FROM conversation_memories WHERE user_id = $1 ORDER BY seq', [
      userId,
    ]);
    const summaries = await this.db.query(
      `SELECT s.* FROM conversation_summaries s JOIN conversations c ON c.id = s.conversation_id
       WHERE ${userConversationsSql('$1', 'c')} AND NOT ${othersWroteSql('c.id', '$1')} ORDER BY s.conversation_id`,
      [userId],
    );
    return {
      conversations: convs.rows.map(conversationFromRow),
      messages: msgs.rows.map(toStoredMessage),
      usage: usage.rows.map(usageFromRow),
      approvedSenders: approved.rows.map(approvedSenderFromRow),
      memories: memories.rows.map(memoryFromRow),
      summaries: summaries.rows.map(summaryFromRow),
    };
  }

  async pruneMessages(filter: {
    before: number;
    channels?: string[];
    exceptChannels?: string[];
  }): Promise<PruneResult> {
    const ofChannel = filter.channels ? 'channel = ANY($2::text[])' : 'NOT (channel = ANY($2::text[]))';
    const params = [filter.before, filter.channels ?? filter.exceptChannels ?? []];
    const expired = `created_at < $1 AND conversation_id IN (SELECT id FROM conversations WHERE ${ofChannel})`;
    return this.transaction(async (client) => {
      const removed = await client.query(`DELETE FROM messages WHERE ${expired} RETURNING attachments`, params);
      const conversations = await client.query(
        `DELETE FROM conversations WHERE updated_at < $1 AND ${ofChannel}
           AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation_id = conversations.id)`,
        params,
      );
      return {
        messages: removed.rowCount ?? 0,
        conversations: conversations.rowCount ?? 0,
        blobKeys: removed.rows.flatMap((r) => blobKeysOf((r.attachments as StoredMessage['attachments'] | null) ?? [])),
      };
    });
  }

  /** Runs `fn` in one transaction on one pooled connection. */
  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async getSummary(conversationId: string): Promise<ConversationSummary | undefined> {
    const r = await this.db.query('SELECT * FROM conversation_summaries WHERE conversation_id = $1', [conversationId]);
    return r.rows[0] ? summaryFromRow(r.rows[0]) : undefined;
  }

  async saveSummary(summary: ConversationSummary): Promise<void> {
    await this.db.query(
      `INSERT INTO conversation_summaries (conversation_id, content, through_message_id, updated_at)
       SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = $1)
       ON CONFLICT (conversation_id) DO UPDATE SET content = EXCLUDED.content,
         through_message_id = EXCLUDED.through_message_id, updated_at = EXCLUDED.updated_at`,
      [summary.conversationId, summary.content, summary.throughMessageId, summary.updatedAt],
    );
  }

  async addMemory(m: ConversationMemory): Promise<void> {
    await this.db.query(
      `INSERT INTO conversation_memories (id, conversation_id, user_id, content, created_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [m.id, m.conversationId, m.userId, m.content, m.createdAt],
    );
  }

  async listMemories(conversationId: string): Promise<ConversationMemory[]> {
    const r = await this.db.query(
      'SELECT * FROM conversation_memories WHERE conversation_id = $1 ORDER BY created_at, seq',
      [conversationId],
    );
    return r.rows.map(memoryFromRow);
  }

  async deleteMemory(conversationId: string, id: string): Promise<boolean> {
    const r = await this.db.query('DELETE FROM conversation_memories WHERE conversation_id = $1 AND id = $2', [
      conversationId,
      id,
    ]);
    return (r.rowCount ?? 0) > 0;
  }

  async approveSender(channel: string, senderId: string): Promise<void> {
    await this.db.query(
      'INSERT INTO approved_senders (channel, sender_id, approved_at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING',
      [channel, senderId, Date.now()],
    );
  }

  async isSenderApproved(channel: string, senderId: string): Promise<boolean> {
    const r = await this.db.query('SELECT 1 FROM approved_senders WHERE channel = $1 AND sender_id = $2', [
      channel,
      senderId,
    ]);
    return r.rowCount! > 0;
  }

  /** The schema version the database is at (for tests and `hearth migrate`). */
  async schemaVersion(): Promise<number> {
    return (await postgresSchemaVersion(this.db)).current;
  }

  /** Every message body, a page at a time, for key rotation (`MessageBodySource`). */
  async *messageBodies(): AsyncIterable<{ id: string; content: string }> {
    let after = 0;
    for (;;) {
      const r = await this.db.query('SELECT seq, id, content FROM messages WHERE seq > $1 ORDER BY seq LIMIT 500', [
        after,
      ]);
      if (r.rows.length === 0) return;
      for (const row of r.rows) yield { id: String(row.id), content: String(row.content) };
      after = Number(r.rows[r.rows.length - 1].seq);
    }
  }

  async replaceMessageBody(id: string, expected: string, content: string): Promise<boolean> {
    const r = await this.db.query('UPDATE messages SET content = $1 WHERE id = $2 AND content = $3', [
      content,
      id,
      expected,
    ]);
    return (r.rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }
}

/** The applied and the newest known schema version. */
export async function postgresSchemaVersion(pool: pg.Pool): Promise<{ current: number; latest: number }> {
  const exists = await pool.query(`SELECT to_regclass('hearth_schema') AS t`);
  if (!exists.rows[0].t) return { current: 0, latest: postgresMigrations.length };
  const r = await pool.query('SELECT version FROM hearth_schema');
  return { current: Number(r.rows[0]?.version ?? 0), latest: postgresMigrations.length };
}

/**
 * Runs pending migrations in one transaction under an advisory lock. Returns the versions before
 * and after. A database newer than this release is refused, never downgraded.
 */
export async function migratePostgres(
  pool: pg.Pool,
  steps: readonly string[] = postgresMigrations,
): Promise<{ from: number; to: number }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS hearth_schema (version INTEGER NOT NULL)');
    const r = await client.query('SELECT version FROM hearth_schema');
    if (r.rowCount === 0) await client.query('INSERT INTO hearth_schema (version) VALUES (0)');
    const from = Number(r.rows[0]?.version ?? 0);
    if (from > steps.length) {
      throw new HearthError(
        ErrorCode.storage,
        `history database is at schema ${from}, newer than this release knows (${steps.length}); upgrade Hearth`,
      );
    }
    for (const step of steps.slice(from)) await client.query(step);
    await client.query('UPDATE hearth_schema SET version = $1', [steps.length]);
    await client.query('COMMIT');
    return { from, to: steps.length };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** jsonb: the driver hands the column over parsed. */
function toStoredMessage(row: Row): StoredMessage {
  return storedMessageFromRow(row, (row.attachments as StoredMessage['attachments'] | null) ?? []);
}
