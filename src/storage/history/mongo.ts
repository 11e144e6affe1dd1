/**
 * MongoDB history through the official `mongodb` driver. Ids are the documents' `_id`, so the
 * at-least-once de-duplication of `append` is MongoDB's own unique-key check (error 11000). Works
 * on a standalone server: nothing here needs a replica set (no multi-document transactions);
 * `deleteUser` removes messages and usage before the conversations, so an interrupted deletion
 * is finished by running it again.
 */
import { MongoClient, MongoServerError, ObjectId, type Collection, type Db } from 'mongodb';
import type { Usage } from '../../core/message.js';
import type { Conversation, DailyUsage, HistoryStore, StoredMessage, UsageRecord } from '../../core/stores.js';
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
interface ApprovedDoc {
  _id: string;
  channel: string;
  senderId: string;
  approvedAt: number;
}

/** Index set version recorded in `hearth_schema`; raise it when `ensureIndexes` changes. */
export const MONGO_SCHEMA_VERSION = 1;

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

  async setConversationTitle(id: string, title: string): Promise<void> {
    await this.conversations.updateOne({ _id: id }, { $set: { title } });
  }

  async deleteConversation(id: string): Promise<boolean> {
    // Turns first, so an interrupted deletion leaves the conversation listed and can be retried.
    await this.messages.deleteMany({ conversationId: id });
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

  async deleteUser(userId: string): Promise<number> {
    const ids = (await this.conversations.find({ userId }, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
    if (ids.length) await this.messages.deleteMany({ conversationId: { $in: ids } });
    await this.usage.deleteMany({ userId });
    const r = await this.conversations.deleteMany({ userId });
    return r.deletedCount;
  }

  async exportUser(userId: string): Promise<{ conversations: Conversation[]; messages: StoredMessage[] }> {
    const convs = await this.conversations.find({ userId }).sort({ createdAt: 1 }).toArray();
    const ids = convs.map((d) => d._id);
    const msgs = ids.length
      ? await this.messages
          .find({ conversationId: { $in: ids } })
          .sort({ conversationId: 1, seq: 1 })
          .toArray()
      : [];
    return { conversations: convs.map(toConversation), messages: msgs.map(toStoredMessage) };
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
  await schema.updateOne({ _id: 'history' }, { $set: { version: MONGO_SCHEMA_VERSION } }, { upsert: true });
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
