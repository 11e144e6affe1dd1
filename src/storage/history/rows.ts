/**
 * The history tables' rows as Hearth's records. PostgreSQL and SQLite share one schema (same
 * tables, same snake_case columns), so one mapping serves both; only how the `attachments`
 * column arrives differs by driver, and each driver decodes that one column itself.
 */
import type { Conversation, DailyUsage, StoredMessage } from '../../core/stores.js';

/** One row as the SQL drivers return it: column name → value. */
export type Row = Record<string, unknown>;

/** A `conversations` row as a `Conversation`. */
export function conversationFromRow(row: Row): Conversation {
  return {
    id: String(row.id),
    channel: String(row.channel),
    chatId: String(row.chat_id),
    userId: String(row.user_id),
    agent: String(row.agent),
    ...(row.title != null ? { title: String(row.title) } : {}),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * A `messages` row as a `StoredMessage`; `attachments` is the row's attachments column already
 * decoded by the driver (PostgreSQL's jsonb arrives parsed, SQLite's TEXT as JSON text).
 */
export function storedMessageFromRow(row: Row, attachments: StoredMessage['attachments']): StoredMessage {
  return {
    id: String(row.id),
    conversationId: String(row.conversation_id),
    role: row.role as StoredMessage['role'],
    content: String(row.content),
    attachments,
    author: String(row.author),
    createdAt: Number(row.created_at),
    tokens: Number(row.tokens),
  };
}

/** One `usageByDay` row of the SQL stores (columns day, user_id, agent, model, p, c, k, usd, n). */
export function dailyUsage(row: Row): DailyUsage {
  return {
    day: String(row.day),
    userId: String(row.user_id),
    agent: String(row.agent),
    model: String(row.model),
    promptTokens: Number(row.p),
    completionTokens: Number(row.c),
    cachedPromptTokens: Number(row.k),
    costUsd: Number(row.usd),
    turns: Number(row.n),
  };
}
