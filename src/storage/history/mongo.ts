/**
 * MongoDB history through the official `mongodb` driver. Ids are the documents' `_id`, so the
 * at-least-once de-duplication of `append` is MongoDB's own unique-key check (error 11000). Works
 * on a standalone server: nothing here needs a replica set (no multi-document transactions);
 * `deleteUser` removes a conversation's turns before the conversation, so an interrupted deletion
 * is finished by running it again.
 */
import { MongoClient, MongoServerError, ObjectId, type Collection, type Db } from 'mongodb';
import type { Usage } from '../../core/message.js';
import type {
  Conversation,
  ConversationMemory,
  ConversationSummary,
  DailyUsage,
  HistoryStore,
  PruneResult,
  StoredMessage,
  UsageRecord,
  UserHistory,
  UserHistoryDeletion,
} from '../../core/stores.js';
import { blobKeysOf } from './rows.js';
import { ErrorCode, HearthError } from '../../core/errors.js';

interface ConversationDoc extends Omit<Conversation, 'id'> {
  _id: string;
}
interface MessageDoc extends Omit<StoredMessage, 'id'> {
  _id: string;
  /** Insertion order, the tie-breaker of equal `createdAt`. */
  seq: ObjectId;
}
interface UsageDoc extends Omit<UsageRecord, 'usage'> {
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens: number;
}
interface SummaryDoc extends Omit<ConversationSummary, 'conversationId'> {
  /** The conversation id. */
  _id: string;
}
interface MemoryDoc extends Omit<ConversationMemory, 'id'> {
  _id: string;
  seq: ObjectId;
}
interface ApprovedDoc {
  _id: string;
  channel: string;
  senderId: string;
  approvedAt: number;
}

/** Index set version recorded in `hearth_schema`; raise it when `ensureIndexes` changes. */
export const MONGO_SCHEMA_VERSION = 2;

export interface MongoHistoryOptions {
  url: string;
  /** Database name; the URL's, else `hearth`. */
  database?: string;
  poolSize?: number;
}

export class MongoHistoryStore implements HistoryStore {
  private client?: MongoClient;
  private db?: Db;

  constructor(private readonly options: MongoHistoryOptions) {}

  async open(): Promise<void> {
    const client = new MongoClient(this.options.url, {
      maxPoolSize: this.options.poolSize ?? 10,
      serverSelectionTimeoutMS: 5000,
    });
    try {
      await client.connect();
      const db = client.db(this.options.database);
      await ensureIndexes(db);
      this.client = client;
      this.db = db;
    } catch (err) {
      await client.close().catch(() => undefined);
      throw new HearthError(ErrorCode.storage, `MongoDB: ${(err as Error).message}`, 503, { cause: err });
    }
  }

  private col<T extends object>(name: string): Collection<T> {
    if (!this.db) throw new HearthError(ErrorCode.storage, 'history store is not open', 503);
    return this.db.collection<T>(name);
  }
  private get conversations() {
    return this.col<ConversationDoc>('conversations');
  }
  private get messages() {
    return this.col<MessageDoc>('messages');
  }
  private get usage() {
    return this.col<UsageDoc>('usage');
  }
  private get summaries() {
    return this.col<SummaryDoc>('conversation_summaries');
  }
  private get memories() {
    return this.col<MemoryDoc>('conversation_memories');
  }
  private get approved() {
    return this.col<ApprovedDoc>('approved_senders');
  }

  async upsertConversation(c: Conversation): Promise<void> {
    const { id, agent, updatedAt, ...rest } = c;
    await this.conversations.updateOne(
      { _id: id },
      { $set: { agent, updatedAt }, $setOnInsert: rest },
      { upsert: true },
    );
  }

  async appendTurn(c: Conversation, m: StoredMessage): Promise<boolean> {
    await this.upsertConversation(c);
    return this.append(m);
  }

  async setConversationTitle(id: string, title: string): Promise<void> {
    await this.conversations.updateOne({ _id: id }, { $set: { title } });
  }

  async deleteConversation(id: string): Promise<boolean> {
    // Turns first, so an interrupted deletion leaves the conversation listed and can be retried.
    await this.messages.deleteMany({ conversationId: id });
    await this.summaries.deleteOne({ _id: id });
    await this.memories.deleteMany({ conversationId: id });
    const r = await this.conversations.deleteOne({ _id: id });
    return r.deletedCount > 0;
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    const d = await this.conversations.findOne({ _id: id });
    return d ? toConversation(d) : undefined;
  }

  async append(m: StoredMessage): Promise<boolean> {
    const { id, ...rest } = m;
    try {
      await this.messages.insertOne({ _id: id, ...rest, seq: new ObjectId() });
      return true;
    } catch (err) {
      if (err instanceof MongoServerError && err.code === 11000) return false;
      throw err;
    }
  }

  async hasMessage(id: string): Promise<boolean> {
    return (await this.messages.findOne({ _id: id }, { projection: { _id: 1 } })) !== null;
  }

  async deleteLastAnswer(conversationId: string): Promise<number> {
    // The same order as `recent`: creation time, then insertion order.
    const question = await this.messages.findOne(
      { conversationId, role: 'user' },
      { sort: { createdAt: -1, seq: -1 }, projection: { createdAt: 1, seq: 1 } },
    );
    if (!question) return 0;
    const r = await this.messages.deleteMany({
      conversationId,
      role: { $ne: 'user' },
      $or: [{ createdAt: { $gt: question.createdAt } }, { createdAt: question.createdAt, seq: { $gt: question.seq } }],
    });
    return r.deletedCount;
  }

  async recent(conversationId: string, maxTokens: number, limit = 200): Promise<StoredMessage[]> {
    const docs = await this.messages.find({ conversationId }).sort({ createdAt: -1, seq: -1 }).limit(limit).toArray();
    const out: StoredMessage[] = [];
    let budget = maxTokens;
    for (const d of docs) {
      if (d.tokens > budget) break;
      budget -= d.tokens;
      out.push(toStoredMessage(d));
    }
    return out.reverse();
  }

  async recordUsage(u: UsageRecord): Promise<void> {
    const { usage, ...rest } = u;
    await this.usage.insertOne({
      ...rest,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      cachedPromptTokens: usage.cachedPromptTokens ?? 0,
    });
  }

  async usageByDay(filter: { userId?: string; agent?: string; since: number; until?: number }): Promise<DailyUsage[]> {
    const match: Record<string, unknown> = {
      createdAt: { $gte: filter.since, $lt: filter.until ?? Number.MAX_SAFE_INTEGER },
    };
    if (filter.userId !== undefined) match.userId = filter.userId;
    if (filter.agent !== undefined) match.agent = filter.agent;
    const rows = await this.usage
      .aggregate<{
        _id: { day: string; userId: string; agent: string; model: string };
        p: number;
        c: number;
        k: number;
        usd: number;
        n: number;
      }>([
        { $match: match },
        {
          $group: {
            _id: {
              day: { $dateToString: { format: '%Y-%m-%d', date: { $toDate: '$createdAt' } } },
              userId: '$userId',
              agent: '$agent',
              model: '$model',
            },
            p: { $sum: '$promptTokens' },
            c: { $sum: '$completionTokens' },
            k: { $sum: '$cachedPromptTokens' },
            usd: { $sum: { $ifNull: ['$costUsd', 0] } },
            n: { $sum: 1 },
          },
        },
        { $sort: { '_id.day': 1, '_id.userId': 1, '_id.agent': 1, '_id.model': 1 } },
      ])
      .toArray();
    return rows.map((r) => ({
      ...r._id,
      promptTokens: r.p,
      completionTokens: r.c,
      cachedPromptTokens: r.k,
      costUsd: r.usd,
      turns: r.n,
    }));
  }

  async usageSince(filter: { userId?: string; agent?: string }, since: number): Promise<Usage> {
    const match: Record<string, unknown> = { createdAt: { $gte: since } };
    if (filter.userId !== undefined) match.userId = filter.userId;
    if (filter.agent !== undefined) match.agent = filter.agent;
    const [row] = await this.usage
      .aggregate<{ p: number; c: number; k: number }>([
        { $match: match },
        {
          $group: {
            _id: null,
            p: { $sum: '$promptTokens' },
            c: { $sum: '$completionTokens' },
            k: { $sum: '$cachedPromptTokens' },
          },
        },
      ])
      .toArray();
    return { promptTokens: row?.p ?? 0, completionTokens: row?.c ?? 0, cachedPromptTokens: row?.k ?? 0 };
  }

  async listConversations(filter: { userId?: string; channel?: string; limit?: number }): Promise<Conversation[]> {
    const q: Record<string, unknown> = {};
    if (filter.userId !== undefined) q.userId = filter.userId;
    if (filter.channel !== undefined) q.channel = filter.channel;
    const docs = await this.conversations
      .find(q)
      .sort({ updatedAt: -1 })
      .limit(filter.limit ?? 100)
      .toArray();
    return docs.map(toConversation);
  }

  /**
   * The user's part of each conversation they started or wrote in: `whole` when no one else wrote
   * in it, else the ids of their turns and of the replies to them.
   */
  private async partsOf(userId: string): Promise<Array<{ conv: ConversationDoc; whole: boolean; ids: string[] }>> {
    const own = await this.messages
      .find({ role: 'user', author: userId }, { projection: { _id: 1, conversationId: 1 } })
      .toArray();
    const started = await this.conversations.find({ userId }).toArray();
    const more = own.map((m) => m.conversationId).filter((id) => !started.some((c) => c._id === id));
    const convs = [
      ...started,
      ...(more.length ? await this.conversations.find({ _id: { $in: [...new Set(more)] } }).toArray() : []),
    ].sort((a, b) => a.createdAt - b.createdAt);
    const parts = [];
    for (const conv of convs) {
      const other = await this.messages.findOne(
        { conversationId: conv._id, role: 'user', author: { $ne: userId } },
        { projection: { _id: 1 } },
      );
      const mine = own.filter((m) => m.conversationId === conv._id).map((m) => m._id);
      parts.push({ conv, whole: other === null, ids: [...mine, ...mine.map((id) => `${id}#reply`)] });
    }
    return parts;
  }

  async deleteUser(userId: string): Promise<UserHistoryDeletion> {
    const out = { conversations: 0, messages: 0, usage: 0, approvedSenders: 0, memories: 0 };
    for (const { conv, whole, ids } of await this.partsOf(userId)) {
      // A summary may quote anyone who wrote in its conversation: it goes (it is rewritten from what stays).
      await this.summaries.deleteOne({ _id: conv._id });
      if (whole) {
        // Turns first: an interrupted deletion leaves the conversation to be found by a rerun.
        await this.messages.deleteMany({ conversationId: conv._id });
        await this.memories.deleteMany({ conversationId: conv._id });
        out.conversations += (await this.conversations.deleteOne({ _id: conv._id })).deletedCount;
        continue;
      }
      out.messages += (await this.messages.deleteMany({ _id: { $in: ids } })).deletedCount;
      if (conv.userId === userId) {
        const first = await this.messages
          .find({ conversationId: conv._id, role: 'user' })
          .sort({ seq: 1 })
          .limit(1)
          .toArray();
        await this.conversations.updateOne({ _id: conv._id }, { $set: { userId: first[0]?.author ?? '' } });
      }
    }
    out.usage = (await this.usage.deleteMany({ userId })).deletedCount;
    out.approvedSenders = (await this.approved.deleteMany({ senderId: userId })).deletedCount;
    out.memories = (await this.memories.deleteMany({ userId })).deletedCount;
    return out;
  }

  async exportUser(userId: string): Promise<UserHistory> {
    const parts = await this.partsOf(userId);
    const messages: StoredMessage[] = [];
    for (const { conv, whole, ids } of parts) {
      const q = whole ? { conversationId: conv._id } : { conversationId: conv._id, _id: { $in: ids } };
      messages.push(...(await this.messages.find(q).sort({ seq: 1 }).toArray()).map(toStoredMessage));
    }
    messages.sort((a, b) => (a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0));
    const usage = (await this.usage.find({ userId }).sort({ createdAt: 1 }).toArray()).map(toUsageRecord);
    const approvedSenders = (await this.approved.find({ senderId: userId }).sort({ channel: 1 }).toArray()).map(
      (d) => ({ channel: d.channel, senderId: d.senderId, approvedAt: d.approvedAt }),
    );
    const memories = (await this.memories.find({ userId }).sort({ seq: 1 }).toArray()).map(toMemory);
    const whole = parts.filter((p) => p.whole).map((p) => p.conv._id);
    const summaries = (
      await this.summaries
        .find({ _id: { $in: whole } })
        .sort({ _id: 1 })
        .toArray()
    ).map(toSummary);
    return {
      conversations: parts.map((p) => toConversation(p.conv)),
      messages,
      usage,
      approvedSenders,
      memories,
      summaries,
    };
  }

  async pruneMessages(filter: {
    before: number;
    channels?: string[];
    exceptChannels?: string[];
  }): Promise<PruneResult> {
    const channel = filter.channels ? { $in: filter.channels } : { $nin: filter.exceptChannels ?? [] };
    const convs = await this.conversations.find({ channel }, { projection: { _id: 1, updatedAt: 1 } }).toArray();
    const ids = convs.map((c) => c._id);
    if (ids.length === 0) return { messages: 0, conversations: 0, blobKeys: [] };
    const expired = { conversationId: { $in: ids }, createdAt: { $lt: filter.before } };
    const withFiles = await this.messages.find(expired, { projection: { attachments: 1 } }).toArray();
    const blobKeys = withFiles.flatMap((m) => blobKeysOf(m.attachments ?? []));
    const messages = (await this.messages.deleteMany(expired)).deletedCount;
    let conversations = 0;
    for (const c of convs) {
      if (Number(c.updatedAt) >= filter.before) continue;
      if (await this.messages.findOne({ conversationId: c._id }, { projection: { _id: 1 } })) continue;
      await this.summaries.deleteOne({ _id: c._id });
      await this.memories.deleteMany({ conversationId: c._id });
      conversations += (await this.conversations.deleteOne({ _id: c._id })).deletedCount;
    }
    return { messages, conversations, blobKeys };
  }

  async getSummary(conversationId: string): Promise<ConversationSummary | undefined> {
    const d = await this.summaries.findOne({ _id: conversationId });
    return d ? toSummary(d) : undefined;
  }

  async saveSummary(summary: ConversationSummary): Promise<void> {
    if (!(await this.conversations.findOne({ _id: summary.conversationId }, { projection: { _id: 1 } }))) return;
    const { conversationId, ...rest } = summary;
    await this.summaries.updateOne({ _id: conversationId }, { $set: rest }, { upsert: true });
  }

  async addMemory(m: ConversationMemory): Promise<void> {
    const { id, ...rest } = m;
    try {
      await this.memories.insertOne({ _id: id, ...rest, seq: new ObjectId() });
    } catch (err) {
      if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
    }
  }

  async listMemories(conversationId: string): Promise<ConversationMemory[]> {
    return (await this.memories.find({ conversationId }).sort({ createdAt: 1, seq: 1 }).toArray()).map(toMemory);
  }

  async deleteMemory(conversationId: string, id: string): Promise<boolean> {
    return (await this.memories.deleteOne({ _id: id, conversationId })).deletedCount > 0;
  }

  async approveSender(channel: string, senderId: string): Promise<void> {
    await this.approved.updateOne(
      { _id: `${channel}\u0000${senderId}` },
      { $setOnInsert: { channel, senderId, approvedAt: Date.now() } },
      { upsert: true },
    );
  }

  async isSenderApproved(channel: string, senderId: string): Promise<boolean> {
    return (await this.approved.findOne({ _id: `${channel}\u0000${senderId}` })) !== null;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.db = undefined;
    await client?.close();
  }
}

/** Creates the indexes the queries above rely on and records the index set's version. */
async function ensureIndexes(db: Db): Promise<void> {
  const schema = db.collection<{ _id: string; version: number }>('hearth_schema');
  const current = (await schema.findOne({ _id: 'history' }))?.version ?? 0;
  if (current > MONGO_SCHEMA_VERSION) {
    throw new HearthError(
      ErrorCode.storage,
      `history database is at schema ${current}, newer than this release knows (${MONGO_SCHEMA_VERSION}); upgrade Hearth`,
    );
  }
  if (current === MONGO_SCHEMA_VERSION) return;
  await db.collection('conversations').createIndex({ userId: 1 });
  await db.collection('conversations').createIndex({ updatedAt: -1 });
  await db.collection('messages').createIndex({ conversationId: 1, createdAt: -1, seq: -1 });
  await db.collection('usage').createIndex({ userId: 1, createdAt: 1 });
  await db.collection('conversation_memories').createIndex({ conversationId: 1, seq: 1 });
  await db.collection('conversation_memories').createIndex({ userId: 1 });
  await schema.updateOne({ _id: 'history' }, { $set: { version: MONGO_SCHEMA_VERSION } }, { upsert: true });
}

function toSummary(d: SummaryDoc): ConversationSummary {
  return { conversationId: d._id, content: d.content, throughMessageId: d.throughMessageId, updatedAt: d.updatedAt };
}

function toMemory(d: MemoryDoc): ConversationMemory {
  return { id: d._id, conversationId: d.conversationId, userId: d.userId, content: d.content, createdAt: d.createdAt };
}

function toConversation(d: ConversationDoc): Conversation {
  return {
    id: d._id,
    channel: d.channel,
    chatId: d.chatId,
    userId: d.userId,
    agent: d.agent,
    ...(d.title != null ? { title: d.title } : {}),
    createdAt: Number(d.createdAt),
    updatedAt: Number(d.updatedAt),
  };
}

function toStoredMessage(d: MessageDoc): StoredMessage {
  return {
    id: d._id,
    conversationId: d.conversationId,
    role: d.role,
    content: d.content,
    attachments: d.attachments ?? [],
    author: d.author,
    createdAt: Number(d.createdAt),
    tokens: Number(d.tokens),
  };
}

function toUsageRecord(d: UsageDoc): UsageRecord {
  return {
    conversationId: d.conversationId,
    userId: d.userId,
    agent: d.agent,
    model: d.model,
    provider: d.provider,
    usage: {
      promptTokens: d.promptTokens,
      completionTokens: d.completionTokens,
      cachedPromptTokens: d.cachedPromptTokens,
    },
    latencyMs: d.latencyMs,
    ok: d.ok,
    createdAt: Number(d.createdAt),
    ...(d.costUsd !== undefined && d.costUsd !== null ? { costUsd: d.costUsd } : {}),
  };
}
