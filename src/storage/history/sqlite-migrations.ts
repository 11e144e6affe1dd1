/**
 * SQLite schema migrations, in order. The database's `user_version` is the number of steps applied.
 * Append new steps; never edit a released one (installations already ran it).
 */
export const sqliteMigrations: readonly string[] = [
  // 1: conversations, messages, usage
  `CREATE TABLE conversations (
     id TEXT PRIMARY KEY,
     channel TEXT NOT NULL,
     chat_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     agent TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX conversations_user ON conversations(user_id);
   CREATE TABLE messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
     role TEXT NOT NULL,
     content TEXT NOT NULL,
     attachments TEXT,
     author TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     tokens INTEGER NOT NULL
   );
   CREATE INDEX messages_conversation ON messages(conversation_id, created_at);
   CREATE TABLE usage (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     conversation_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     agent TEXT NOT NULL,
     model TEXT NOT NULL,
     provider TEXT NOT NULL,
     prompt_tokens INTEGER NOT NULL,
     completion_tokens INTEGER NOT NULL,
     cached_prompt_tokens INTEGER NOT NULL DEFAULT 0,
     latency_ms INTEGER NOT NULL,
     ok INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX usage_user_time ON usage(user_id, created_at);`,
  // 2: senders an admin approved through pairing, per channel
  `CREATE TABLE approved_senders (
     channel TEXT NOT NULL,
     sender_id TEXT NOT NULL,
     approved_at INTEGER NOT NULL,
     PRIMARY KEY (channel, sender_id)
   );`,
  // 3: the history window reads a conversation newest-first in insertion order
  `CREATE INDEX messages_conversation_seq ON messages(conversation_id, seq);`,
  // 4: the (conversation, time) index is unused since 3; dropping it makes every append cheaper
  `DROP INDEX IF EXISTS messages_conversation;`,
  // 5: the cost of each recorded turn in USD (NULL where the model's price is not known)
  `ALTER TABLE usage ADD COLUMN cost_usd REAL;`,
  // 6: a conversation's name in the web chat's list
  `ALTER TABLE conversations ADD COLUMN title TEXT;`,
  // 7: the summary of a conversation's older turns, and the facts the assistant was asked to remember
  `CREATE TABLE conversation_summaries (
     conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
     content TEXT NOT NULL,
     through_message_id TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE conversation_memories (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
     user_id TEXT NOT NULL,
     content TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX conversation_memories_conversation ON conversation_memories(conversation_id, seq);
   CREATE INDEX conversation_memories_user ON conversation_memories(user_id);`,
];
