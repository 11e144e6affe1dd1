/**
 * The embedded knowledge index: one SQLite file under dataDir (`knowledge.db`), with an FTS5 table
 * (Porter stemming, BM25 ranking, headings weighted twice the body) kept in sync with the chunk
 * table by triggers. Vectors live in the chunk rows, so deleting a document deletes them too.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type SqliteDatabase } from '../../storage/sqlite-driver.js';
import type { CollectionInfo, IndexedChunk, KeywordHit, KnowledgeDocument, KnowledgeIndex, Passage } from '../types.js';
import { sourceKeyOf } from '../types.js';
import { searchForm } from '../terms.js';
import { documentFromRow, documentRow, vectorFromBytes, vectorToBytes, type DocumentRow } from './rows.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kb_collections (name TEXT PRIMARY KEY, revision INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS kb_documents (
  id TEXT PRIMARY KEY, collection TEXT NOT NULL, source_key TEXT NOT NULL, title TEXT NOT NULL, file_name TEXT NOT NULL,
  mime_type TEXT, source TEXT NOT NULL, url TEXT, content_hash TEXT, status TEXT NOT NULL, error_code TEXT, error_message TEXT,
  pages INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0, total_pages INTEGER, generation INTEGER NOT NULL,
  size INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (collection, source_key)
);
CREATE TABLE IF NOT EXISTS kb_chunks (
  id INTEGER PRIMARY KEY, document_id TEXT NOT NULL, collection TEXT NOT NULL, generation INTEGER NOT NULL,
  ordinal INTEGER NOT NULL, heading TEXT NOT NULL, section TEXT NOT NULL, page INTEGER, text TEXT NOT NULL,
  embedding BLOB, embedding_model TEXT
);
CREATE INDEX IF NOT EXISTS kb_chunks_document ON kb_chunks (document_id, generation);
CREATE INDEX IF NOT EXISTS kb_chunks_collection ON kb_chunks (collection, generation);
CREATE VIRTUAL TABLE IF NOT EXISTS kb_fts USING fts5(heading, text, content='kb_chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
`;

/**
 * The triggers keeping the FTS table in step with the chunks. They index `kb_terms(...)`, the
 * search form of the text (terms.ts: CJK words spaced apart, camelCase split) — a deterministic
 * function registered on every connection, so a delete removes exactly the tokens an insert added.
 */
const TRIGGERS = `
CREATE TRIGGER IF NOT EXISTS kb_chunks_ai AFTER INSERT ON kb_chunks BEGIN
  INSERT INTO kb_fts (rowid, heading, text) VALUES (new.id, kb_terms(new.heading), kb_terms(new.text));
END;
CREATE TRIGGER IF NOT EXISTS kb_chunks_ad AFTER DELETE ON kb_chunks BEGIN
  INSERT INTO kb_fts (kb_fts, rowid, heading, text) VALUES ('delete', old.id, kb_terms(old.heading), kb_terms(old.text));
END;
`;

/**
 * Schema versions (`PRAGMA user_version`): 0 — the first release, which indexed the raw text;
 * 1 — the FTS table holds the search form. Opening an older file migrates it in one transaction:
 * the triggers are replaced and the FTS table rebuilt from the chunks (chunks and vectors stay).
 */
const SCHEMA_VERSION = 1;

/** Searchable chunks: those of their document's current generation. */
const LIVE = 'JOIN kb_documents d ON d.id = c.document_id AND d.generation = c.generation';

/** An FTS5 query matching any of the terms; each is quoted, so no term is read as syntax. */
function ftsAny(terms: string[]): string {
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(' OR ');
}

export class SqliteKnowledgeIndex implements KnowledgeIndex {
  private db?: SqliteDatabase;

  constructor(private readonly file: string) {}

  async open(): Promise<void> {
    mkdirSync(dirname(this.file), { recursive: true });
    const db = new Database(this.file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.function('kb_terms', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? searchForm(text) : text));
    db.exec(SCHEMA);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < SCHEMA_VERSION) {
      db.transaction(() => {
        db.exec('DROP TRIGGER IF EXISTS kb_chunks_ai; DROP TRIGGER IF EXISTS kb_chunks_ad;');
        db.exec(TRIGGERS);
        db.exec("INSERT INTO kb_fts (kb_fts) VALUES ('delete-all')");
        db.exec('INSERT INTO kb_fts (rowid, heading, text) SELECT id, kb_terms(heading), kb_terms(text) FROM kb_chunks');
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })();
    } else {
      db.exec(TRIGGERS);
    }
    this.db = db;
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }

  private get sql(): SqliteDatabase {
    if (!this.db) throw new Error('knowledge index is not open');
    return this.db;
  }

  private bump(collection: string): void {
    this.sql
      .prepare('INSERT INTO kb_collections (name, revision) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET revision = revision + 1')
      .run(collection);
  }

  async putDocument(doc: KnowledgeDocument): Promise<void> {
    const r = documentRow(doc, sourceKeyOf(doc.fileName, doc.source));
    this.sql
      .prepare(
        `INSERT INTO kb_documents (id, collection, source_key, title, file_name, mime_type, source, url, content_hash, status, error_code,
           error_message, pages, chunks, total_pages, generation, size, created_at, updated_at)
         VALUES (@id, @collection, @source_key, @title, @file_name, @mime_type, @source, @url, @content_hash, @status, @error_code,
           @error_message, @pages, @chunks, @total_pages, @generation, @size, @created_at, @updated_at)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, file_name = excluded.file_name, mime_type = excluded.mime_type,
           source = excluded.source, source_key = excluded.source_key, url = excluded.url, content_hash = excluded.content_hash,
           status = excluded.status, error_code = excluded.error_code, error_message = excluded.error_message, pages = excluded.pages,
           chunks = excluded.chunks, total_pages = excluded.total_pages, generation = excluded.generation, size = excluded.size,
           updated_at = excluded.updated_at`,
      )
      .run(r);
    this.bump(doc.collection);
  }

  async getDocument(collection: string, id: string): Promise<KnowledgeDocument | undefined> {
    const row = this.sql.prepare('SELECT * FROM kb_documents WHERE collection = ? AND id = ?').get(collection, id) as DocumentRow | undefined;
    return row ? documentFromRow(row) : undefined;
  }

  async findBySourceKey(collection: string, sourceKey: string): Promise<KnowledgeDocument | undefined> {
    const row = this.sql.prepare('SELECT * FROM kb_documents WHERE collection = ? AND source_key = ?').get(collection, sourceKey) as DocumentRow | undefined;
    return row ? documentFromRow(row) : undefined;
  }

  async listDocuments(collection: string): Promise<KnowledgeDocument[]> {
    const rows = this.sql.prepare('SELECT * FROM kb_documents WHERE collection = ? ORDER BY created_at, id').all(collection) as DocumentRow[];
    return rows.map(documentFromRow);
  }

  async unfinished(): Promise<KnowledgeDocument[]> {
    const rows = this.sql.prepare("SELECT * FROM kb_documents WHERE status = 'indexing' ORDER BY created_at").all() as DocumentRow[];
    return rows.map(documentFromRow);
  }

  async listCollections(): Promise<CollectionInfo[]> {
    const rows = this.sql
      .prepare(
        `SELECT k.name AS name,
           (SELECT count(*) FROM kb_documents d WHERE d.collection = k.name) AS documents,
           (SELECT count(*) FROM kb_chunks c ${LIVE} WHERE c.collection = k.name) AS chunks
         FROM kb_collections k ORDER BY k.name`,
      )
      .all() as CollectionInfo[];
    return rows.filter((r) => r.documents > 0);
  }

  async deleteDocument(collection: string, id: string): Promise<boolean> {
    const remove = this.sql.transaction(() => {
      const gone = this.sql.prepare('DELETE FROM kb_documents WHERE collection = ? AND id = ?').run(collection, id).changes > 0;
      this.sql.prepare('DELETE FROM kb_chunks WHERE document_id = ?').run(id);
      return gone;
    });
    const gone = remove();
    this.bump(collection);
    return gone;
  }

  async addChunks(doc: Pick<KnowledgeDocument, 'id' | 'collection'>, generation: number, chunks: IndexedChunk[], embeddingModel?: string): Promise<void> {
    const insert = this.sql.prepare(
      `INSERT INTO kb_chunks (document_id, collection, generation, ordinal, heading, section, page, text, embedding, embedding_model)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.sql.transaction(() => {
      for (const c of chunks) {
        insert.run(doc.id, doc.collection, generation, c.ordinal, c.heading, c.section, c.page ?? null, c.text,
          c.embedding ? vectorToBytes(c.embedding) : null, c.embedding ? (embeddingModel ?? null) : null);
      }
    })();
    this.bump(doc.collection);
  }

  async dropOtherGenerations(documentId: string, keep: number): Promise<void> {
    const row = this.sql.prepare('SELECT collection FROM kb_chunks WHERE document_id = ? LIMIT 1').get(documentId) as { collection: string } | undefined;
    this.sql.prepare('DELETE FROM kb_chunks WHERE document_id = ? AND generation <> ?').run(documentId, keep);
    if (row) this.bump(row.collection);
  }

  async keywordSearch(collections: string[], terms: string[], limit: number): Promise<KeywordHit[]> {
    if (collections.length === 0 || terms.length === 0) return [];
    const marks = collections.map(() => '?').join(',');
    const rows = this.sql
      .prepare(
        `SELECT c.id AS id, c.document_id AS documentId, c.collection AS collection, d.title AS title, c.section AS section,
           c.text AS text, c.page AS page, d.url AS url, bm25(kb_fts, 2.0, 1.0) AS rank
         FROM kb_fts JOIN kb_chunks c ON c.id = kb_fts.rowid ${LIVE}
         WHERE kb_fts MATCH ? AND c.collection IN (${marks})
         ORDER BY rank LIMIT ?`,
      )
      .all(ftsAny(terms), ...collections, limit) as Array<Omit<Passage, 'chunkId'> & { id: number; rank: number; page: number | null; url: string | null }>;
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const matchedBy = new Map<number, number[]>(ids.map((id) => [id, []]));
    const idMarks = ids.map(() => '?').join(',');
    const probe = this.sql.prepare(`SELECT rowid AS id FROM kb_fts WHERE kb_fts MATCH ? AND rowid IN (${idMarks})`);
    terms.forEach((term, i) => {
      for (const r of probe.all(ftsAny([term]), ...ids) as Array<{ id: number }>) matchedBy.get(r.id)?.push(i);
    });
    return rows.map((r) => ({
      chunkId: String(r.id),
      documentId: r.documentId,
      collection: r.collection,
      title: r.title,
      section: r.section,
      text: r.text,
      ...(r.page !== null ? { page: r.page } : {}),
      ...(r.url ? { url: r.url } : {}),
      // bm25() is lower for better matches; the seam says higher is better.
      score: -r.rank,
      matched: matchedBy.get(r.id) ?? [],
    }));
  }

  async termStats(collections: string[], terms: string[]): Promise<{ chunks: number; df: number[] }> {
    if (collections.length === 0) return { chunks: 0, df: terms.map(() => 0) };
    const marks = collections.map(() => '?').join(',');
    const total = this.sql.prepare(`SELECT count(*) AS n FROM kb_chunks c ${LIVE} WHERE c.collection IN (${marks})`).get(...collections) as { n: number };
    const count = this.sql.prepare(
      `SELECT count(*) AS n FROM kb_fts JOIN kb_chunks c ON c.id = kb_fts.rowid ${LIVE} WHERE kb_fts MATCH ? AND c.collection IN (${marks})`,
    );
    return { chunks: total.n, df: terms.map((t) => (count.get(ftsAny([t]), ...collections) as { n: number }).n) };
  }

  async vectors(collection: string, model: string): Promise<Array<{ chunkId: string; vector: Float32Array }>> {
    const rows = this.sql
      .prepare(`SELECT c.id AS id, c.embedding AS embedding FROM kb_chunks c ${LIVE} WHERE c.collection = ? AND c.embedding_model = ? ORDER BY c.id`)
      .all(collection, model) as Array<{ id: number; embedding: Buffer }>;
    return rows.map((r) => ({ chunkId: String(r.id), vector: vectorFromBytes(r.embedding) }));
  }

  async passages(chunkIds: string[]): Promise<Passage[]> {
    if (chunkIds.length === 0) return [];
    const rows = this.sql
      .prepare(
        `SELECT c.id AS id, c.document_id AS documentId, c.collection AS collection, d.title AS title, c.section AS section,
           c.text AS text, c.page AS page, d.url AS url
         FROM kb_chunks c ${LIVE} WHERE c.id IN (${chunkIds.map(() => '?').join(',')})`,
      )
      .all(...chunkIds.map(Number)) as Array<Omit<Passage, 'chunkId'> & { id: number; page: number | null; url: string | null }>;
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    return chunkIds.flatMap((id) => {
      const r = byId.get(id);
      if (!r) return [];
      return [{ chunkId: id, documentId: r.documentId, collection: r.collection, title: r.title, section: r.section, text: r.text,
        ...(r.page !== null ? { page: r.page } : {}), ...(r.url ? { url: r.url } : {}) }];
    });
  }

  async revision(collection: string): Promise<number> {
    const row = this.sql.prepare('SELECT revision FROM kb_collections WHERE name = ?').get(collection) as { revision: number } | undefined;
    return row?.revision ?? 0;
  }

  async countChunks(documentId: string): Promise<number> {
    return (this.sql.prepare('SELECT count(*) AS n FROM kb_chunks WHERE document_id = ?').get(documentId) as { n: number }).n;
  }
}
