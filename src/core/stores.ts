/**
 * Storage seams. Embedded implementations live in `src/storage/`; Redis, PostgreSQL, MongoDB and
 * S3 adapters implement the same interfaces and pass the same contract tests.
 */
import type { Readable } from 'node:stream';
import type { Attachment, Usage } from './message.js';

/** A conversation: one chat (and thread) on one channel. */
export interface Conversation {
  id: string;
  channel: string;
  chatId: string;
  /** Who started it (the first sender). */
  userId: string;
  agent: string;
  /** A name for the conversation list (the web chat sets it from the first message; a rename replaces it). */
  title?: string;
  createdAt: number;
  updatedAt: number;
}

/** One stored turn of a conversation. */
export interface StoredMessage {
  /** Unique; the inbound `Message.id` for user turns, the reply id for assistant turns. */
  id: string;
  conversationId: string;
  role: 'user' | 'assistant' | 'system' | 'tool';
  content: string;
  attachments: Attachment[];
  /** Sender id for user turns, model id for assistant turns. */
  author: string;
  createdAt: number;
  /** Estimated or reported token count of `content`. */
  tokens: number;
}

/** One model call's usage, recorded for budgets and cost. */
export interface UsageRecord {
  conversationId: string;
  userId: string;
  agent: string;
  model: string;
  provider: string;
  usage: Usage;
  latencyMs: number;
  ok: boolean;
  createdAt: number;
  /** USD at the model's price (src/engine/pricing.ts); absent when the price is not known. */
  costUsd?: number;
}

/**
 * What a conversation's older turns (those no longer in the history window) said, written by a
 * model and refreshed as more turns leave the window.
 */
export interface ConversationSummary {
  conversationId: string;
  content: string;
  /** The newest turn the summary covers (a `StoredMessage.id`): later turns are not in it yet. */
  throughMessageId: string;
  updatedAt: number;
}

/** A fact the assistant was asked to remember in one conversation (tool `memory_save`). */
export interface ConversationMemory {
  id: string;
  conversationId: string;
  /** Whose turn asked for it (per-user export and deletion). */
  userId: string;
  content: string;
  createdAt: number;
}

/** Usage of one user with one agent and model on one UTC day. */
export interface DailyUsage {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  userId: string;
  agent: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens: number;
  /** Sum over the calls whose price was known. */
  costUsd: number;
  /** Recorded model calls (each tool step, retry and fallback attempt is one). */
  turns: number;
}

/** A sender an admin approved through pairing. */
export interface ApprovedSender {
  channel: string;
  senderId: string;
  approvedAt: number;
}

/** One user's part of the history (`HistoryStore.exportUser`). */
export interface UserHistory {
  conversations: Conversation[];
  messages: StoredMessage[];
  usage: UsageRecord[];
  approvedSenders: ApprovedSender[];
  /** The memories their turns saved. */
  memories: ConversationMemory[];
  /** Summaries of the conversations only they wrote in. */
  summaries: ConversationSummary[];
}

/** What `HistoryStore.deleteUser` removed. */
export interface UserHistoryDeletion {
  /** Conversations removed whole (only this user wrote in them). */
  conversations: number;
  /** Turns removed from conversations that others wrote in too. */
  messages: number;
  usage: number;
  approvedSenders: number;
  /** Memories their turns saved (besides those of the conversations removed whole). */
  memories: number;
}

/** What one retention pass removed. */
export interface PruneResult {
  messages: number;
  conversations: number;
  /** Blob keys of the removed turns' attachments (the caller deletes the blobs). */
  blobKeys: string[];
}

export interface HistoryStore {
  /** Opens connections and runs pending schema migrations. */
  open(): Promise<void>;
  upsertConversation(c: Conversation): Promise<void>;
  /**
   * What every turn starts with: upserts its conversation, then appends the user's turn (ignored,
   * as in `append`, when its id is stored already). Returns whether the turn was new. The SQLite
   * store commits both in one transaction; the others run them one after the other.
   */
  appendTurn(c: Conversation, m: StoredMessage): Promise<boolean>;
  getConversation(id: string): Promise<Conversation | undefined>;
  /** Appends a turn; a turn with an id already stored is ignored (at-least-once delivery). Returns whether it was new. */
  append(m: StoredMessage): Promise<boolean>;
  /** Whether a turn with this id is stored (the engine checks a reply id to re-answer a redelivered message). */
  hasMessage(id: string): Promise<boolean>;
  /**
   * Deletes the answer to a conversation's last question: every turn after its last user turn
   * (the assistant's reply and any tool-step turns of it). Nothing when it has no user turn.
   * Returns how many turns went. The web chat's regenerate asks the same question again after it.
   */
  deleteLastAnswer(conversationId: string): Promise<number>;
  /** The newest turns, oldest first, whose tokens add up to at most `maxTokens` (and at most `limit` turns). */
  recent(conversationId: string, maxTokens: number, limit?: number): Promise<StoredMessage[]>;
  recordUsage(u: UsageRecord): Promise<void>;
  /** Sum of tokens a user spent since `since` (ms epoch). */
  usageSince(filter: { userId?: string; agent?: string }, since: number): Promise<Usage>;
  /** Usage per UTC day, user, agent and model in `[since, until)` (ms epoch), oldest day first. */
  usageByDay(filter: { userId?: string; agent?: string; since: number; until?: number }): Promise<DailyUsage[]>;
  listConversations(filter: { userId?: string; channel?: string; limit?: number }): Promise<Conversation[]>;
  /** Renames a conversation; an unknown id changes nothing. */
  setConversationTitle(id: string, title: string): Promise<void>;
  /** Deletes one conversation and its turns; returns whether it existed. */
  deleteConversation(id: string): Promise<boolean>;
  /**
   * Deletes everything the history holds about one user (`userId` is the sender id): conversations
   * only they wrote in go whole; in a conversation others wrote in too (a group), only their turns
   * and the replies to them go, and the others' turns stay. Their usage rows and approved-sender
   * entries go too. Running it again finishes an interrupted deletion.
   */
  deleteUser(userId: string): Promise<UserHistoryDeletion>;
  /**
   * What the history holds about one user: the conversations they started or wrote in, their turns
   * and the replies to them (every turn of a conversation only they wrote in), their usage rows and
   * approved-sender entries. Other people's turns in a shared conversation are not theirs to export.
   */
  exportUser(userId: string): Promise<UserHistory>;
  /**
   * Retention: deletes turns older than `before` (ms epoch) in conversations of the `channels`
   * named (or, with `exceptChannels`, of every channel but those), and conversations left without
   * turns; returns what went, with the blob keys of the deleted turns' attachments.
   */
  pruneMessages(filter: { before: number; channels?: string[]; exceptChannels?: string[] }): Promise<PruneResult>;
  /** The summary of a conversation's older turns, if one was written. */
  getSummary(conversationId: string): Promise<ConversationSummary | undefined>;
  /** Stores (or replaces) a conversation's summary; ignored when the conversation does not exist. */
  saveSummary(s: ConversationSummary): Promise<void>;
  /** Saves a memory; an id already stored is ignored. */
  addMemory(m: ConversationMemory): Promise<void>;
  /** A conversation's memories, oldest first. */
  listMemories(conversationId: string): Promise<ConversationMemory[]>;
  /** Deletes one memory of a conversation; returns whether it existed. */
  deleteMemory(conversationId: string, id: string): Promise<boolean>;
  /** Records that an admin approved a sender on a channel (pairing). */
  approveSender(channel: string, senderId: string): Promise<void>;
  isSenderApproved(channel: string, senderId: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Encrypts and decrypts stored values, binding each to a context (a ciphertext moved to another
 * row does not decrypt). Implemented by the security module's AES-256-GCM field cipher.
 */
export interface ValueCipher {
  encrypt(plaintext: string, context: string): string;
  decrypt(value: string, context: string): string;
  /** Whether a stored value is a ciphertext (older rows may be plaintext). */
  isEncrypted(value: string): boolean;
}

/** The associated-data context a stored message body is encrypted with. */
export const messageContext = (id: string): string => `message:${id}`;
/** The encryption context of a conversation's title (made of the user's first words, so encrypted too). */
export const titleContext = (id: string): string => `conversation-title:${id}`;
/** The encryption context of a conversation's summary. */
export const summaryContext = (conversationId: string): string => `conversation-summary:${conversationId}`;
/** The encryption context of a memory. */
export const memoryContext = (id: string): string => `memory:${id}`;

/** Stored message bodies, seen from key rotation (`hearth keys rotate`). */
export interface MessageBodySource {
  /** Every stored message body with its id. */
  messageBodies(): AsyncIterable<{ id: string; content: string }>;
  /** Replaces a body only if it still equals `expected`; returns whether it did. */
  replaceMessageBody(id: string, expected: string, content: string): Promise<boolean>;
}

/** Short-lived per-conversation state (pending approvals, pairing codes, dedupe marks). */
export interface SessionStore {
  /** Every replica sees this store and it outlives a restart (Redis); absent for a per-process store. */
  readonly shared?: boolean;
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  /** Sets only when absent; returns whether it was set (dedupe, locks). */
  setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean>;
  /**
   * Adds `by` (an integer, may be negative) to a counter, atomically across replicas, and returns the
   * new value; a missing counter starts at 0 and gets `ttlMs` (budgets reserve tokens this way).
   */
  increment(key: string, by: number, ttlMs?: number): Promise<number>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface BlobMeta {
  mimeType?: string;
  fileName?: string;
  size: number;
}

/** Media, attachments, snapshots and backups. Keys are relative paths like `media/2026/ab12.jpg`. */
export interface BlobStore {
  put(key: string, data: Buffer | Readable, meta?: Omit<BlobMeta, 'size'>): Promise<BlobMeta>;
  get(key: string): Promise<Buffer | undefined>;
  stream(key: string): Promise<Readable | undefined>;
  head(key: string): Promise<BlobMeta | undefined>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
