/**
 * Adapters between the field cipher and the storage seams: the `ValueCipher` stores encrypt
 * message bodies with, and the rotation source over a history store's message bodies.
 */
import {
  messageContext,
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
