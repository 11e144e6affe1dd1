/**
 * Adapters between the field cipher and the storage seams: the `ValueCipher` stores encrypt
 * message bodies with, and the rotation source over a history store's message bodies.
 */
import {
  memoryContext,
  messageContext,
  summaryContext,
  titleContext,
  type HistoryStore,
  type MessageBodySource,
  type ValueCipher,
} from '../core/stores.js';
import type { EncryptedField, EncryptedFieldSource } from './encrypted-fields.js';
import { FieldCipher } from './field-cipher.js';

export function valueCipher(cipher: FieldCipher): ValueCipher {
  return {
    encrypt: (plaintext, context) => cipher.encrypt(plaintext, context),
    decrypt: (value, context) => cipher.decrypt(value, context),
    isEncrypted: (value) => FieldCipher.isEncrypted(value),
  };
}

/**
 * Message bodies as a rotation source. With `includePlaintext` (encryption on) plaintext bodies are
 * offered too, so rotation encrypts them; without it (encryption turned off later) only bodies that
 * are still encrypted are re-encrypted, and no plaintext is touched.
 */
export function messageBodySource(store: MessageBodySource, includePlaintext: boolean): EncryptedFieldSource {
  return {
    name: 'history.messages',
    async *fields(): AsyncIterable<EncryptedField> {
      for await (const m of store.messageBodies()) {
        if (includePlaintext || FieldCipher.isEncrypted(m.content))
          yield { id: m.id, value: m.content, context: messageContext(m.id) };
      }
    },
    replace: (id, expected, value) => store.replaceMessageBody(id, expected, value),
  };
}

/**
 * Conversation titles as a rotation source (read from the raw store, so the values as stored). The
 * replace is a read-compare-write, not atomic: a rename racing a rotation keeps whichever came last,
 * and the next rotation re-encrypts a title left under an old key.
 */
export function conversationTitleSource(store: HistoryStore, includePlaintext: boolean): EncryptedFieldSource {
  return {
    name: 'history.conversationTitles',
    async *fields(): AsyncIterable<EncryptedField> {
      for (const c of await store.listConversations({ limit: Number.MAX_SAFE_INTEGER })) {
        if (c.title && (includePlaintext || FieldCipher.isEncrypted(c.title)))
          yield { id: c.id, value: c.title, context: titleContext(c.id) };
      }
    },
    async replace(id, expected, value) {
      if ((await store.getConversation(id))?.title !== expected) return false;
      await store.setConversationTitle(id, value);
      return true;
    },
  };
}

/**
 * Conversation summaries and memories as rotation sources (read from the raw store, values as
 * stored). Like titles, the replace is a read-compare-write: a summary refreshed during a rotation
 * is written under the current key anyway.
 */
export function conversationContextSources(store: HistoryStore, includePlaintext: boolean): EncryptedFieldSource[] {
  const wanted = (value: string) => includePlaintext || FieldCipher.isEncrypted(value);
  const conversations = () => store.listConversations({ limit: Number.MAX_SAFE_INTEGER });
  const summaries: EncryptedFieldSource = {
    name: 'history.conversationSummaries',
    async *fields(): AsyncIterable<EncryptedField> {
      for (const c of await conversations()) {
        const s = await store.getSummary(c.id);
        if (s && wanted(s.content)) yield { id: c.id, value: s.content, context: summaryContext(c.id) };
      }
    },
    async replace(id, expected, value) {
      const s = await store.getSummary(id);
      if (s?.content !== expected) return false;
      await store.saveSummary({ ...s, content: value });
      return true;
    },
  };
  const memories: EncryptedFieldSource = {
    name: 'history.conversationMemories',
    async *fields(): AsyncIterable<EncryptedField> {
      for (const c of await conversations())
        for (const m of await store.listMemories(c.id))
          if (wanted(m.content)) yield { id: `${c.id}\u0000${m.id}`, value: m.content, context: memoryContext(m.id) };
    },
    async replace(key, expected, value) {
      const [conversationId, id] = key.split('\u0000') as [string, string];
      const m = (await store.listMemories(conversationId)).find((x) => x.id === id);
      if (m?.content !== expected) return false;
      // Memories are listed by creation time, so taking one out and putting it back keeps its place.
      await store.deleteMemory(conversationId, id);
      await store.addMemory({ ...m, content: value });
      return true;
    },
  };
  return [summaries, memories];
}
