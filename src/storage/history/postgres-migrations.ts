/**
 * PostgreSQL schema migrations, in order; `hearth_schema.version` is the number applied. Append new
 * steps; never edit a released one (installations already ran it).
 */
export const postgresMigrations: readonly string[] = [
  // 1: conversations, messages, usage, approved senders (the SQLite schema 1–2 in PostgreSQL types)
  `CREATE TABLE conversations (
     id TEXT PRIMARY KEY,
     channel TEXT NOT NULL,
     chat_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     agent TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     updated_at BIGINT NOT NULL
   );
   CREATE INDEX conversations_user ON conversations(user_id);
   CREATE TABLE messages (
     seq BIGSERIAL PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
     role TEXT NOT NULL,
     content TEXT NOT NULL,
     attachments JSONB,
     author TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     tokens INTEGER NOT NULL
   );
   CREATE INDEX messages_conversation ON messages(conversation_id, created_at);
   CREATE TABLE usage (
     seq BIGSERIAL PRIMARY KEY,
     conversation_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     agent TEXT NOT NULL,
     model TEXT NOT NULL,
     provider TEXT NOT NULL,
     prompt_tokens INTEGER NOT NULL,
     completion_tokens INTEGER NOT NULL,
     cached_prompt_tokens INTEGER NOT NULL DEFAULT 0,
     latency_ms INTEGER NOT NULL,
     ok BOOLEAN NOT NULL,
     created_at BIGINT NOT NULL
   );
   CREATE INDEX usage_user_time ON usage(user_id, created_at);
   CREATE TABLE approved_senders (
     channel TEXT NOT NULL,
     sender_id TEXT NOT NULL,
     approved_at BIGINT NOT NULL,
     PRIMARY KEY (channel, sender_id)
   );`,
  // 2: the cost of each recorded turn in USD (NULL where the model's price is not known)
  `ALTER TABLE usage ADD COLUMN IF NOT EXISTS cost_usd DOUBLE PRECISION;`,
  // 3: a conversation's name in the web chat's list
  `ALTER TABLE conversations ADD COLUMN IF NOT EXISTS title TEXT;`,
  // 4: the summary of a conversation's older turns, and the facts the assistant was asked to remember
  `CREATE TABLE IF NOT EXISTS conversation_summaries (
     conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
     content TEXT NOT NULL,
     through_message_id TEXT NOT NULL,
     updated_at BIGINT NOT NULL
   );
   CREATE TABLE IF NOT EXISTS conversation_memories (
     seq BIGSERIAL PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
     user_id TEXT NOT NULL,
     content TEXT NOT NULL,
     created_at BIGINT NOT NULL
   );
   CREATE INDEX IF NOT EXISTS conversation_memories_conversation ON conversation_memories(conversation_id, seq);
   CREATE INDEX IF NOT EXISTS conversation_memories_user ON conversation_memories(user_id);`,
];
