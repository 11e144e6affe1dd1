/**
 * Message bodies encrypted at rest (`security.encryption.messageBodies`), for every history backend:
 * a decorator that encrypts `content` on the way in and decrypts it on the way out — with the
 * user's other words: conversation titles, summaries of older turns and saved memories. Bodies written
 * before encryption was turned on stay readable (and `hearth keys rotate` encrypts them).
 */
import {
  memoryContext,
  messageContext,
  summaryContext,
  titleContext,
  type Conversation,
  type ConversationMemory,
  type ConversationSummary,
  type HistoryStore,
  type PruneResult,
  type StoredMessage,
  type UserHistory,
  type UserHistoryDeletion,
  type ValueCipher,
} from '../../core/stores.js';

export class EncryptingHistoryStore implements HistoryStore {
  constructor(
    private readonly inner: HistoryStore,
    private readonly cipher: ValueCipher,
  ) {}

  /** Conversation titles are made of the user's first words: encrypted like the bodies. */
  private sealTitle(c: Conversation): Conversation {
    return c.title ? { ...c, title: this.cipher.encrypt(c.title, titleContext(c.id)) } : c;
  }

  private openTitle(c: Conversation): Conversation {
    return c.title && this.cipher.isEncrypted(c.title)
      ? { ...c, title: this.cipher.decrypt(c.title, titleContext(c.id)) }
      : c;
  }

  private seal(m: StoredMessage): StoredMessage {
    return { ...m, content: this.cipher.encrypt(m.content, messageContext(m.id)) };
  }

  private open_(m: StoredMessage): StoredMessage {
    return this.cipher.isEncrypted(m.content)
      ? { ...m, content: this.cipher.decrypt(m.content, messageContext(m.id)) }
      : m;
  }

  private openSummary(s: ConversationSummary): ConversationSummary {
    return this.cipher.isEncrypted(s.content)
      ? { ...s, content: this.cipher.decrypt(s.content, summaryContext(s.conversationId)) }
      : s;
  }

  private openMemory(m: ConversationMemory): ConversationMemory {
    return this.cipher.isEncrypted(m.content)
      ? { ...m, content: this.cipher.decrypt(m.content, memoryContext(m.id)) }
      : m;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  upsertConversation(c: Conversation): Promise<void> {
    return this.inner.upsertConversation(this.sealTitle(c));
  }

  appendTurn(c: Conversation, m: StoredMessage): Promise<boolean> {
    return this.inner.appendTurn(this.sealTitle(c), this.seal(m));
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    const c = await this.inner.getConversation(id);
    return c && this.openTitle(c);
  }

  append(m: StoredMessage): Promise<boolean> {
    return this.inner.append(this.seal(m));
  }

  hasMessage(id: string): Promise<boolean> {
    return this.inner.hasMessage(id);
  }

  async recent(conversationId: string, maxTokens: number, limit?: number): Promise<StoredMessage[]> {
    return (await this.inner.recent(conversationId, maxTokens, limit)).map((m) => this.open_(m));
  }

  recordUsage(...args: Parameters<HistoryStore['recordUsage']>): Promise<void> {
    return this.inner.recordUsage(...args);
  }

  usageSince(...args: Parameters<HistoryStore['usageSince']>): ReturnType<HistoryStore['usageSince']> {
    return this.inner.usageSince(...args);
  }

  usageByDay(...args: Parameters<HistoryStore['usageByDay']>): ReturnType<HistoryStore['usageByDay']> {
    return this.inner.usageByDay(...args);
  }

  async listConversations(...args: Parameters<HistoryStore['listConversations']>): Promise<Conversation[]> {
    return (await this.inner.listConversations(...args)).map((c) => this.openTitle(c));
  }

  setConversationTitle(id: string, title: string): Promise<void> {
    return this.inner.setConversationTitle(id, this.cipher.encrypt(title, titleContext(id)));
  }

  deleteConversation(id: string): Promise<boolean> {
    return this.inner.deleteConversation(id);
  }

  deleteUser(userId: string): Promise<UserHistoryDeletion> {
    return this.inner.deleteUser(userId);
  }

  pruneMessages(...args: Parameters<HistoryStore['pruneMessages']>): Promise<PruneResult> {
    return this.inner.pruneMessages(...args);
  }

  async exportUser(userId: string): Promise<UserHistory> {
    const out = await this.inner.exportUser(userId);
    return {
      ...out,
      conversations: out.conversations.map((c) => this.openTitle(c)),
      messages: out.messages.map((m) => this.open_(m)),
      memories: out.memories.map((m) => this.openMemory(m)),
      summaries: out.summaries.map((s) => this.openSummary(s)),
    };
  }

  async getSummary(conversationId: string): Promise<ConversationSummary | undefined> {
    const s = await this.inner.getSummary(conversationId);
    return s && this.openSummary(s);
  }

  saveSummary(s: ConversationSummary): Promise<void> {
    return this.inner.saveSummary({ ...s, content: this.cipher.encrypt(s.content, summaryContext(s.conversationId)) });
  }

  addMemory(m: ConversationMemory): Promise<void> {
    return this.inner.addMemory({ ...m, content: this.cipher.encrypt(m.content, memoryContext(m.id)) });
  }

  async listMemories(conversationId: string): Promise<ConversationMemory[]> {
    return (await this.inner.listMemories(conversationId)).map((m) => this.openMemory(m));
  }

  deleteLastAnswer(conversationId: string): Promise<number> {
    return this.inner.deleteLastAnswer(conversationId);
  }

  deleteMemory(conversationId: string, id: string): Promise<boolean> {
    return this.inner.deleteMemory(conversationId, id);
  }

  approveSender(channel: string, senderId: string): Promise<void> {
    return this.inner.approveSender(channel, senderId);
  }

  isSenderApproved(channel: string, senderId: string): Promise<boolean> {
    return this.inner.isSenderApproved(channel, senderId);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
