/**
 * Index migration: a knowledge index written by the first release (raw text in the keyword index)
 * opens under the current schema with every document and chunk kept, and is searchable with the
 * current tokenization (Chinese words, camelCase parts) without re-indexing a document.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresKnowledgeIndex } from '../../src/knowledge/index/postgres.js';
import { SqliteKnowledgeIndex } from '../../src/knowledge/index/sqlite.js';
import { queryTerms } from '../../src/knowledge/query.js';
import Database from '../../src/storage/sqlite-driver.js';
import { POSTGRES_URL } from '../storage/backend-urls.js';

/** The first release's SQLite schema, as it created knowledge.db (user_version 0). */
const SQLITE_V0 = `
CREATE TABLE kb_collections (name TEXT PRIMARY KEY, revision INTEGER NOT NULL DEFAULT 0);
CREATE TABLE kb_documents (
  id TEXT PRIMARY KEY, collection TEXT NOT NULL, source_key TEXT NOT NULL, title TEXT NOT NULL, file_name TEXT NOT NULL,
  mime_type TEXT, source TEXT NOT NULL, url TEXT, content_hash TEXT, status TEXT NOT NULL, error_code TEXT, error_message TEXT,
  pages INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0, total_pages INTEGER, generation INTEGER NOT NULL,
  size INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (collection, source_key)
);
CREATE TABLE kb_chunks (
  id INTEGER PRIMARY KEY, document_id TEXT NOT NULL, collection TEXT NOT NULL, generation INTEGER NOT NULL,
  ordinal INTEGER NOT NULL, heading TEXT NOT NULL, section TEXT NOT NULL, page INTEGER, text TEXT NOT NULL,
  embedding BLOB, embedding_model TEXT
);
CREATE VIRTUAL TABLE kb_fts USING fts5(heading, text, content='kb_chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER kb_chunks_ai AFTER INSERT ON kb_chunks BEGIN
  INSERT INTO kb_fts (rowid, heading, text) VALUES (new.id, new.heading, new.text);
END;
CREATE TRIGGER kb_chunks_ad AFTER DELETE ON kb_chunks BEGIN
  INSERT INTO kb_fts (kb_fts, rowid, heading, text) VALUES ('delete', old.id, old.heading, old.text);
END;
`;

/** The first release's PostgreSQL chunk table: `tsv` generated from the raw text. */
const POSTGRES_V0 = `
CREATE TABLE kb_collections (name TEXT PRIMARY KEY, revision BIGINT NOT NULL DEFAULT 0);
CREATE TABLE kb_documents (
  id TEXT PRIMARY KEY, collection TEXT NOT NULL, source_key TEXT NOT NULL, title TEXT NOT NULL, file_name TEXT NOT NULL,
  mime_type TEXT, source TEXT NOT NULL, url TEXT, content_hash TEXT, status TEXT NOT NULL, error_code TEXT, error_message TEXT,
  pages INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0, total_pages INTEGER, generation INTEGER NOT NULL,
  size BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (collection, source_key)
);
CREATE TABLE kb_chunks (
  id BIGSERIAL PRIMARY KEY, document_id TEXT NOT NULL, collection TEXT NOT NULL, generation INTEGER NOT NULL,
  ordinal INTEGER NOT NULL, heading TEXT NOT NULL, section TEXT NOT NULL, page INTEGER, text TEXT NOT NULL,
  embedding BYTEA, embedding_model TEXT,
  tsv tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', heading), 'A') || setweight(to_tsvector('english', text), 'B')) STORED
);
`;

const DOCUMENT = `INSERT INTO kb_documents (id, collection, source_key, title, file_name, source, status, generation, created_at, updated_at)
  VALUES ('doc_old', 'hr', 'upload:handbook.md', '员工手册', 'handbook.md', '{"kind":"upload","blobKey":"knowledge/hr/doc_old"}', 'indexed', 1, 1, 1)`;
const CHUNKS = [
  ['员工手册\n年假', '年假', '员工每年享有十五天带薪年假。'],
  ['员工手册\nconnectionTimeout', 'connectionTimeout', 'Closes idle sockets after the timeout.'],
];

async function assertMigrated(index: SqliteKnowledgeIndex | PostgresKnowledgeIndex): Promise<void> {
  const docs = await index.listDocuments('hr');
  assert.deepEqual(
    docs.map((d) => [d.id, d.title, d.status]),
    [['doc_old', '员工手册', 'indexed']],
  );
  assert.equal(await index.countChunks('doc_old'), 2, 'chunks kept');
  const zh = await index.keywordSearch(['hr'], queryTerms('每年有多少天年假'), 5);
  assert.equal(zh[0]?.section, '年假', 'Chinese words found after the migration');
  const camel = await index.keywordSearch(['hr'], queryTerms('connection timeout'), 5);
  assert.equal(camel[0]?.section, 'connectionTimeout');
  // The migrated index keeps working: a delete removes the old chunks from the keyword index too.
  assert.equal(await index.deleteDocument('hr', 'doc_old'), true);
  assert.deepEqual(await index.keywordSearch(['hr'], queryTerms('年假'), 5), []);
}

describe('knowledge index migration from the first release', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-kb-migrate-'));
  const schema = `hearth_kb_mig_${randomBytes(4).toString('hex')}`;
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('SQLite: the FTS table is rebuilt from the chunks under the current tokenization', async () => {
    const file = join(dir, 'knowledge.db');
    const old = new Database(file);
    old.exec(SQLITE_V0);
    old.exec(DOCUMENT);
    const insert = old.prepare(
      "INSERT INTO kb_chunks (document_id, collection, generation, ordinal, heading, section, text) VALUES ('doc_old', 'hr', 1, ?, ?, ?, ?)",
    );
    CHUNKS.forEach(([heading, section, text], i) => insert.run(i, heading, section, text));
    old.close();

    const index = new SqliteKnowledgeIndex(file);
    await index.open();
    try {
      await assertMigrated(index);
    } finally {
      await index.close();
    }
    const reopened = new Database(file);
    assert.equal(reopened.pragma('user_version', { simple: true }), 1);
    assert.equal(
      (reopened.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'kb_fts'").get() as { n: number }).n,
      0,
      'the old FTS table is gone',
    );
    reopened.close();
  });

  it('PostgreSQL: tsv stops being generated from the raw text and is recomputed for every chunk', async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(`SET search_path = ${schema}`);
      await client.query(POSTGRES_V0);
      await client.query(DOCUMENT);
      for (const [i, [heading, section, text]] of CHUNKS.entries()) {
        await client.query(
          "INSERT INTO kb_chunks (document_id, collection, generation, ordinal, heading, section, text) VALUES ('doc_old', 'hr', 1, $1, $2, $3, $4)",
          [i, heading, section, text],
        );
      }
    } finally {
      await client.end();
    }
    const index = new PostgresKnowledgeIndex({ url: POSTGRES_URL, schema });
    await index.open();
    try {
      await assertMigrated(index);
    } finally {
      await index.close();
    }
  });
});
