/**
 * The history tables' rows as Hearth's records. PostgreSQL and SQLite share one schema (same
 * tables, same snake_case columns), so one mapping serves both; only how the `attachments`
 * column arrives differs by driver, and each driver decodes that one column itself.
 */
import type {
  ApprovedSender,
  Conversation,
  ConversationMemory,
  ConversationSummary,
  DailyUsage,
  StoredMessage,
  UsageRecord,
} from '../../core/stores.js';

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

/** A `usage` row as a `UsageRecord`. */
export function usageFromRow(row: Row): UsageRecord {
  return {
    conversationId: String(row.conversation_id),
    userId: String(row.user_id),
    agent: String(row.agent),
    model: String(row.model),
    provider: String(row.provider),
    usage: {
      promptTokens: Number(row.prompt_tokens),
      completionTokens: Number(row.completion_tokens),
      cachedPromptTokens: Number(row.cached_prompt_tokens),
    },
    latencyMs: Number(row.latency_ms),
    ok: Boolean(row.ok),
    createdAt: Number(row.created_at),
    ...(row.cost_usd !== null && row.cost_usd !== undefined ? { costUsd: Number(row.cost_usd) } : {}),
  };
}

/** An `approved_senders` row. */
export function summaryFromRow(row: Row): ConversationSummary {
  return {
    conversationId: String(row.conversation_id),
    content: String(row.content),
    throughMessageId: String(row.through_message_id),
    updatedAt: Number(row.updated_at),
  };
}

export function memoryFromRow(row: Row): ConversationMemory {
  return {
    id: String(row.id),
    conversationId: String(row.conversation_id),
    userId: String(row.user_id),
    content: String(row.content),
    createdAt: Number(row.created_at),
  };
}

export function approvedSenderFromRow(row: Row): ApprovedSender {
  return { channel: String(row.channel), senderId: String(row.sender_id), approvedAt: Number(row.approved_at) };
}

/** The blob keys among stored attachments (the ones Hearth stored; platform URLs are not ours to delete). */
export function blobKeysOf(attachments: ReadonlyArray<{ blobKey?: string }>): string[] {
  return attachments.flatMap((a) => (a.blobKey ? [a.blobKey] : []));
}

/*
 * One user's part of a conversation, in SQL both backends speak (`@u` / `$1` is the user id):
 * their own turns, the replies to them (`<turn id>#reply`), and every turn of a conversation no
 * one else wrote in. Other people's turns in a shared conversation are not theirs.
 */
/** Whether the conversations row (`table`: its name or alias) is one the user started or wrote in. */
export const userConversationsSql = (u: string, table = 'conversations') =>
  `(${table}.user_id = ${u} OR ${table}.id IN (SELECT conversation_id FROM messages WHERE role = 'user' AND author = ${u}))`;
/** Whether the conversation `conv` (a conversations.id expression) has a turn by someone else. */
export const othersWroteSql = (conv: string, u: string) =>
  `EXISTS (SELECT 1 FROM messages o WHERE o.conversation_id = ${conv} AND o.role = 'user' AND o.author <> ${u})`;
/** Whether the message row `m` is the user's own turn or a reply to one. */
export const ownTurnSql = (m: string, u: string) =>
  `((${m}.role = 'user' AND ${m}.author = ${u}) OR ${m}.id IN (SELECT id || '#reply' FROM messages WHERE role = 'user' AND author = ${u}))`;
