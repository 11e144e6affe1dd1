/**
 * The embedded knowledge index: one SQLite file under dataDir (`knowledge.db`), with an FTS5 table
 * (Porter stemming, BM25 ranking, headings weighted twice the body) kept in sync with the chunk
 * table by triggers. Vectors live in the chunk rows, so deleting a document deletes them too.
 * A query costs one FTS5 ranking query and one doclist count per term: no per-row joins.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type SqliteDatabase } from '../../storage/sqlite-driver.js';
import type { CollectionInfo, IndexedChunk, KeywordHit, KnowledgeDocument, KnowledgeIndex, Passage } from '../types.js';
import { sourceKeyOf } from '../types.js';
import { camelParts, porterStem as stem, searchForm } from '../terms.js';
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
`;

/**
 * The keyword index: a contentless FTS5 table (Porter stemming, BM25) over the search form of each
 * chunk's heading and text (terms.ts: CJK words spaced apart, camelCase split — `kb_terms`, a
 * deterministic function registered on every connection, so a delete removes exactly the tokens
 * the insert added), plus a `scope` column holding one token per collection (`kbc` + hex of the
 * name). Filtering by collection is then a doclist intersection inside FTS5, not a join per
 * matching row; the join to chunks and documents happens only for the few rows returned.
 */
const SEARCH = `
CREATE VIRTUAL TABLE kb_search USING fts5(heading, text, scope, content='', tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER kb_chunks_ai AFTER INSERT ON kb_chunks BEGIN
  INSERT INTO kb_search (rowid, heading, text, scope) VALUES (new.id, kb_terms(new.heading), kb_terms(new.text), 'kbc' || hex(new.collection));
END;
CREATE TRIGGER kb_chunks_ad AFTER DELETE ON kb_chunks BEGIN
  INSERT INTO kb_search (kb_search, rowid, heading, text, scope) VALUES ('delete', old.id, kb_terms(old.heading), kb_terms(old.text), 'kbc' || hex(old.collection));
END;
`;

/**
 * Schema versions (`PRAGMA user_version`): 0 — the first release (an external-content `kb_fts`
 * over the raw text); 1 — `kb_search` above. Opening an older file migrates it in one
 * transaction: the old FTS table and triggers go, the new one is filled from the chunks (chunks,
 * vectors and documents stay as they are).
 */
const SCHEMA_VERSION = 1;

/** The FTS5 token naming a collection in the `scope` column. */
function scopeToken(collection: string): string {
  return `kbc${Buffer.from(collection, 'utf8').toString('hex').toUpperCase()}`;
}

/** An FTS5 query: any of the terms (each quoted, so none is read as syntax), in any of the collections. */
function ftsQuery(collections: string[], terms: string[]): string {
  const words = terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(' OR ');
  return `{heading text}: (${words}) AND scope: (${collections.map(scopeToken).join(' OR ')})`;
}

/** Rows fetched from FTS5 per result wanted, so that chunks of a generation being written (not yet searchable) never starve the results. */
const OVERFETCH = 2;

/**
 * Which query terms a text holds, by the same rules FTS5 applies (unicode61 words, camelCase parts,
 * diacritics folded, Porter stems): computed here for the few returned rows instead of one FTS5
 * probe per term. Only words sharing their first two letters with a wanted stem are stemmed
 * (Porter keeps those two letters), which keeps this well under a millisecond for 50 passages.
 */
function matchedTerms(terms: string[], texts: string[]): number[] {
  const wanted = new Map<string, number[]>();
  terms.forEach((t, i) => {
    const s = stem(fold(t.toLowerCase()));
    wanted.set(s, [...(wanted.get(s) ?? []), i]);
  });
  const prefixes = new Set([...wanted.keys()].map((s) => s.slice(0, 2)));
  const everyWord = [...wanted.keys()].some((s) => s.length < 2);
  const found = new Set<number>();
  const consider = (word: string) => {
    const w = fold(word.toLowerCase());
    if (!everyWord && !prefixes.has(w.slice(0, 2))) return;
    for (const i of wanted.get(stem(w)) ?? []) found.add(i);
  };
  for (const text of texts) {
    // Non-ASCII text (CJK, full-width forms) goes through the whole search form first.
    const form = /[^\p{ASCII}]/u.test(text) ? searchForm(text) : text;
    for (const word of form.split(/[^\p{L}\p{N}]+/u)) {
      if (!word) continue;
      consider(word);
      if (/\p{Lu}/u.test(word.slice(1))) for (const part of camelParts(word)) consider(part);
    }
    if (found.size === terms.length) break;
  }
  return [...found].sort((x, y) => x - y);
}

/** Diacritics removed (unicode61 remove_diacritics), for non-ASCII words only. */
function fold(word: string): string {
  return /[^\p{ASCII}]/u.test(word) ? word.normalize('NFD').replace(/\p{M}+/gu, '') : word;
}

/** Searchable chunks: those of their document's current generation. */
const LIVE = 'JOIN kb_documents d ON d.id = c.document_id AND d.generation = c.generation';

export class SqliteKnowledgeIndex implements KnowledgeIndex {
  private db?: SqliteDatabase;

  constructor(private readonly file: string) {}

  async open(): Promise<void> {
    mkdirSync(dirname(this.file), { recursive: true });
    const db = new Database(this.file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.function('kb_terms', { deterministic: true }, (text: unknown) =>
      typeof text === 'string' ? searchForm(text) : text,
    );
    db.exec(SCHEMA);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < SCHEMA_VERSION) {
      db.transaction(() => {
        db.exec(
          'DROP TRIGGER IF EXISTS kb_chunks_ai; DROP TRIGGER IF EXISTS kb_chunks_ad; DROP TABLE IF EXISTS kb_fts; DROP TABLE IF EXISTS kb_search;',
        );
        db.exec(SEARCH);
        db.exec(
          `INSERT INTO kb_search (rowid, heading, text, scope) SELECT id, kb_terms(heading), kb_terms(text), 'kbc' || hex(collection) FROM kb_chunks`,
        );
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })();
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
      .prepare(
        'INSERT INTO kb_collections (name, revision) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET revision = revision + 1',
      )
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
    const row = this.sql.prepare('SELECT * FROM kb_documents WHERE collection = ? AND id = ?').get(collection, id) as
      DocumentRow | undefined;
    return row ? documentFromRow(row) : undefined;
  }

  async findBySourceKey(collection: string, sourceKey: string): Promise<KnowledgeDocument | undefined> {
    const row = this.sql
      .prepare('SELECT * FROM kb_documents WHERE collection = ? AND source_key = ?')
      .get(collection, sourceKey) as DocumentRow | undefined;
    return row ? documentFromRow(row) : undefined;
  }

  async listDocuments(collection: string): Promise<KnowledgeDocument[]> {
    const rows = this.sql
      .prepare('SELECT * FROM kb_documents WHERE collection = ? ORDER BY created_at, id')
      .all(collection) as DocumentRow[];
    return rows.map(documentFromRow);
  }

  async unfinished(): Promise<KnowledgeDocument[]> {
    const rows = this.sql
      .prepare("SELECT * FROM kb_documents WHERE status = 'indexing' ORDER BY created_at")
      .all() as DocumentRow[];
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
      const gone =
        this.sql.prepare('DELETE FROM kb_documents WHERE collection = ? AND id = ?').run(collection, id).changes > 0;
      this.sql.prepare('DELETE FROM kb_chunks WHERE document_id = ?').run(id);
      return gone;
    });
    const gone = remove();
    this.bump(collection);
    return gone;
  }

  async addChunks(
    doc: Pick<KnowledgeDocument, 'id' | 'collection'>,
    generation: number,
    chunks: IndexedChunk[],
    embeddingModel?: string,
  ): Promise<void> {
    const insert = this.sql.prepare(
      `INSERT INTO kb_chunks (document_id, collection, generation, ordinal, heading, section, page, text, embedding, embedding_model)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.sql.transaction(() => {
      for (const c of chunks) {
        insert.run(
          doc.id,
          doc.collection,
          generation,
          c.ordinal,
          c.heading,
          c.section,
          c.page ?? null,
          c.text,
          c.embedding ? vectorToBytes(c.embedding) : null,
          c.embedding ? (embeddingModel ?? null) : null,
        );
      }
    })();
    this.bump(doc.collection);
  }

  async dropOtherGenerations(documentId: string, keep: number): Promise<void> {
    const row = this.sql.prepare('SELECT collection FROM kb_chunks WHERE document_id = ? LIMIT 1').get(documentId) as
      { collection: string } | undefined;
    this.sql.prepare('DELETE FROM kb_chunks WHERE document_id = ? AND generation <> ?').run(documentId, keep);
    if (row) this.bump(row.collection);
  }

  async keywordSearch(collections: string[], terms: string[], limit: number): Promise<KeywordHit[]> {
    if (collections.length === 0 || terms.length === 0 || limit <= 0) return [];
    const query = ftsQuery(collections, terms);
    const select = (fetch: number) =>
      this.sql
        .prepare(
          `SELECT c.id AS id, c.document_id AS documentId, c.collection AS collection, d.title AS title, c.section AS section,
             c.heading AS heading, c.text AS text, c.page AS page, d.url AS url, f.rank AS rank
           FROM (SELECT rowid, bm25(kb_search, 2.0, 1.0, 0.0) AS rank FROM kb_search WHERE kb_search MATCH ? ORDER BY rank LIMIT ?) f
           JOIN kb_chunks c ON c.id = f.rowid ${LIVE}
           ORDER BY f.rank LIMIT ?`,
        )
        .all(query, fetch, limit) as Array<
        Omit<Passage, 'chunkId'> & {
          id: number;
          heading: string;
          rank: number;
          page: number | null;
          url: string | null;
        }
      >;
    let rows = select(limit * OVERFETCH);
    // Rare: more unsearchable (being written) rows than the margin; fetch them all.
    if (rows.length < limit) rows = select(-1);
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
      matched: matchedTerms(terms, [r.heading, r.text]),
    }));
  }

  /**
   * Document frequencies from FTS5 doclists (a count, no join). They include, for the moment a
   * re-index runs, the chunks of the generation being written: a transient, small skew of IDF.
   */
  async termStats(collections: string[], terms: string[]): Promise<{ chunks: number; df: number[] }> {
    if (collections.length === 0) return { chunks: 0, df: terms.map(() => 0) };
    const scope = `scope: (${collections.map(scopeToken).join(' OR ')})`;
    const count = this.sql.prepare('SELECT count(*) AS n FROM kb_search WHERE kb_search MATCH ?');
    const n = (q: string) => (count.get(q) as { n: number }).n;
    return { chunks: n(scope), df: terms.map((t) => n(`{heading text}: "${t.replaceAll('"', '""')}" AND ${scope}`)) };
  }

  async vectors(collection: string, model: string): Promise<Array<{ chunkId: string; vector: Float32Array }>> {
    const rows = this.sql
      .prepare(
        `SELECT c.id AS id, c.embedding AS embedding FROM kb_chunks c ${LIVE} WHERE c.collection = ? AND c.embedding_model = ? ORDER BY c.id`,
      )
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
      .all(...chunkIds.map(Number)) as Array<
      Omit<Passage, 'chunkId'> & { id: number; page: number | null; url: string | null }
    >;
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    return chunkIds.flatMap((id) => {
      const r = byId.get(id);
      if (!r) return [];
      return [
        {
          chunkId: id,
          documentId: r.documentId,
          collection: r.collection,
          title: r.title,
          section: r.section,
          text: r.text,
          ...(r.page !== null ? { page: r.page } : {}),
          ...(r.url ? { url: r.url } : {}),
        },
      ];
    });
  }

  async revision(collection: string): Promise<number> {
    const row = this.sql.prepare('SELECT revision FROM kb_collections WHERE name = ?').get(collection) as
      { revision: number } | undefined;
    return row?.revision ?? 0;
  }

  async countChunks(documentId: string): Promise<number> {
    return (
      this.sql.prepare('SELECT count(*) AS n FROM kb_chunks WHERE document_id = ?').get(documentId) as { n: number }
    ).n;
  }
}
