/**
 * The scaled knowledge index on PostgreSQL full-text search: a stored `tsvector` (english stemming,
 * headings weight A, body weight B) with a GIN index, ranked by `ts_rank`. Shared by every replica;
 * vectors are stored beside the text (bytea) and scanned by the in-process vector index.
 */
import pg from 'pg';
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { CollectionInfo, IndexedChunk, KeywordHit, KnowledgeDocument, KnowledgeIndex, Passage } from '../types.js';
import { sourceKeyOf } from '../types.js';
import { searchForm } from '../terms.js';
import { documentFromRow, documentRow, vectorFromBytes, vectorToBytes, type DocumentRow } from './rows.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kb_collections (name TEXT PRIMARY KEY, revision BIGINT NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS kb_documents (
  id TEXT PRIMARY KEY, collection TEXT NOT NULL, source_key TEXT NOT NULL, title TEXT NOT NULL, file_name TEXT NOT NULL,
  mime_type TEXT, source TEXT NOT NULL, url TEXT, content_hash TEXT, status TEXT NOT NULL, error_code TEXT, error_message TEXT,
  pages INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0, total_pages INTEGER, generation INTEGER NOT NULL,
  size BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (collection, source_key)
);
CREATE TABLE IF NOT EXISTS kb_chunks (
  id BIGSERIAL PRIMARY KEY, document_id TEXT NOT NULL, collection TEXT NOT NULL, generation INTEGER NOT NULL,
  ordinal INTEGER NOT NULL, heading TEXT NOT NULL, section TEXT NOT NULL, page INTEGER, text TEXT NOT NULL,
  embedding BYTEA, embedding_model TEXT, tsv tsvector
);
CREATE TABLE IF NOT EXISTS kb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS kb_chunks_document ON kb_chunks (document_id, generation);
CREATE INDEX IF NOT EXISTS kb_chunks_collection ON kb_chunks (collection, generation);
CREATE INDEX IF NOT EXISTS kb_chunks_tsv ON kb_chunks USING GIN (tsv);
`;

/**
 * The tsvector of a chunk, from the search form of its heading and text (terms.ts: CJK words spaced
 * apart, camelCase split), computed in Hearth because PostgreSQL cannot segment Chinese.
 */
const TSV = (h: string, t: string) =>
  `setweight(to_tsvector('english', ${h}), 'A') || setweight(to_tsvector('english', ${t}), 'B')`;

/**
 * Schema versions (`kb_meta.schema_version`): absent — the first release, whose `tsv` was a
 * generated column over the raw text; 1 — `tsv` is written with the search form. Migration keeps
 * every chunk and vector and recomputes `tsv` in batches.
 */
const SCHEMA_VERSION = 1;

const LIVE = 'JOIN kb_documents d ON d.id = c.document_id AND d.generation = c.generation';

/** Arbitrary constant naming the knowledge schema lock among other advisory locks. */
const SCHEMA_LOCK = 0x4b_42_41_53; // "KBAS"

export interface PostgresKnowledgeOptions {
  url: string;
  poolSize?: number;
  /** Schema holding the tables (default: the connection's search_path). */
  schema?: string;
}

type PassageRow = {
  id: string;
  documentId: string;
  collection: string;
  title: string;
  section: string;
  text: string;
  page: number | null;
  url: string | null;
};

function passageOf(r: PassageRow): Passage {
  return {
    chunkId: String(r.id),
    documentId: r.documentId,
    collection: r.collection,
    title: r.title,
    section: r.section,
    text: r.text,
    ...(r.page !== null ? { page: r.page } : {}),
    ...(r.url ? { url: r.url } : {}),
  };
}

export class PostgresKnowledgeIndex implements KnowledgeIndex {
  private pool?: pg.Pool;

  constructor(private readonly options: PostgresKnowledgeOptions) {}

  async open(): Promise<void> {
    const { schema } = this.options;
    if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new HearthError(ErrorCode.config, `invalid PostgreSQL schema name "${schema}"`);
    const pool = new pg.Pool({
      connectionString: this.options.url,
      max: this.options.poolSize ?? 5,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    pool.on('error', () => undefined);
    const client = await pool.connect().catch(async (err) => {
      await pool.end();
      throw new HearthError(ErrorCode.storage, `PostgreSQL: ${(err as Error).message}`, 503, { cause: err });
    });
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      // Replicas starting together create the tables once.
      await client.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
      try {
        await client.query(SCHEMA);
        await migrate(client);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]);
      }
    } catch (err) {
      client.release();
      await pool.end();
      throw new HearthError(ErrorCode.storage, `PostgreSQL: ${(err as Error).message}`, 503, { cause: err });
    }
    client.release();
    this.pool = pool;
  }

  async close(): Promise<void> {
    await this.pool?.end();
    this.pool = undefined;
  }

  private get db(): pg.Pool {
    if (!this.pool) throw new HearthError(ErrorCode.storage, 'knowledge index is not open', 503);
    return this.pool;
  }

  private async bump(collection: string, db: Pick<pg.Pool, 'query'> = this.db): Promise<void> {
    await db.query(
      'INSERT INTO kb_collections (name, revision) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET revision = kb_collections.revision + 1',
      [collection],
    );
  }

  async putDocument(doc: KnowledgeDocument): Promise<void> {
    const r = documentRow(doc, sourceKeyOf(doc.fileName, doc.source));
    await this.db.query(
      `INSERT INTO kb_documents (id, collection, source_key, title, file_name, mime_type, source, url, content_hash, status, error_code,
         error_message, pages, chunks, total_pages, generation, size, created_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)
       ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, file_name = EXCLUDED.file_name, mime_type = EXCLUDED.mime_type,
         source = EXCLUDED.source, source_key = EXCLUDED.source_key, url = EXCLUDED.url, content_hash = EXCLUDED.content_hash,
         status = EXCLUDED.status, error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message, pages = EXCLUDED.pages,
         chunks = EXCLUDED.chunks, total_pages = EXCLUDED.total_pages, generation = EXCLUDED.generation, size = EXCLUDED.size,
         updated_at = EXCLUDED.updated_at`,
      [
        r.id,
        r.collection,
        r.source_key,
        r.title,
        r.file_name,
        r.mime_type,
        r.source,
        r.url,
        r.content_hash,
        r.status,
        r.error_code,
        r.error_message,
        r.pages,
        r.chunks,
        r.total_pages,
        r.generation,
        r.size,
        r.created_at,
        r.updated_at,
      ],
    );
    await this.bump(doc.collection);
  }

  async getDocument(collection: string, id: string): Promise<KnowledgeDocument | undefined> {
    const r = await this.db.query('SELECT * FROM kb_documents WHERE collection = $1 AND id = $2', [collection, id]);
    return r.rows[0] ? documentFromRow(r.rows[0] as DocumentRow) : undefined;
  }

  async findBySourceKey(collection: string, sourceKey: string): Promise<KnowledgeDocument | undefined> {
    const r = await this.db.query('SELECT * FROM kb_documents WHERE collection = $1 AND source_key = $2', [
      collection,
      sourceKey,
    ]);
    return r.rows[0] ? documentFromRow(r.rows[0] as DocumentRow) : undefined;
  }

  async listDocuments(collection: string): Promise<KnowledgeDocument[]> {
    const r = await this.db.query('SELECT * FROM kb_documents WHERE collection = $1 ORDER BY created_at, id', [
      collection,
    ]);
    return (r.rows as DocumentRow[]).map(documentFromRow);
  }

  async unfinished(): Promise<KnowledgeDocument[]> {
    const r = await this.db.query("SELECT * FROM kb_documents WHERE status = 'indexing' ORDER BY created_at");
    return (r.rows as DocumentRow[]).map(documentFromRow);
  }

  async listCollections(): Promise<CollectionInfo[]> {
    const r = await this.db.query(
      `SELECT k.name AS name,
         (SELECT count(*) FROM kb_documents d WHERE d.collection = k.name)::int AS documents,
         (SELECT count(*) FROM kb_chunks c ${LIVE} WHERE c.collection = k.name)::int AS chunks
       FROM kb_collections k ORDER BY k.name`,
    );
    return (r.rows as CollectionInfo[]).filter((c) => c.documents > 0);
  }

  async deleteDocument(collection: string, id: string): Promise<boolean> {
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      const gone =
        ((await client.query('DELETE FROM kb_documents WHERE collection = $1 AND id = $2', [collection, id]))
          .rowCount ?? 0) > 0;
      await client.query('DELETE FROM kb_chunks WHERE document_id = $1', [id]);
      await this.bump(collection, client);
      await client.query('COMMIT');
      return gone;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async addChunks(
    doc: Pick<KnowledgeDocument, 'id' | 'collection'>,
    generation: number,
    chunks: IndexedChunk[],
    embeddingModel?: string,
  ): Promise<void> {
    if (chunks.length === 0) return;
    // One multi-row INSERT per batch: a 10,000-chunk manual is a few round trips, not 10,000.
    const values: unknown[] = [];
    const rows = chunks.map((c, i) => {
      values.push(
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
        searchForm(c.heading),
        searchForm(c.text),
      );
      const b = i * 12;
      return `($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6},$${b + 7},$${b + 8},$${b + 9},$${b + 10},${TSV(`$${b + 11}`, `$${b + 12}`)})`;
    });
    await this.db.query(
      `INSERT INTO kb_chunks (document_id, collection, generation, ordinal, heading, section, page, text, embedding, embedding_model, tsv) VALUES ${rows.join(',')}`,
      values,
    );
    await this.bump(doc.collection);
  }

  async dropOtherGenerations(documentId: string, keep: number): Promise<void> {
    const r = await this.db.query(
      'DELETE FROM kb_chunks WHERE document_id = $1 AND generation <> $2 RETURNING collection',
      [documentId, keep],
    );
    if (r.rows[0]) await this.bump(r.rows[0].collection as string);
  }

  async keywordSearch(collections: string[], terms: string[], limit: number): Promise<KeywordHit[]> {
    if (collections.length === 0 || terms.length === 0) return [];
    // Terms are letters and digits only (queryTerms), so joining them with | is a valid tsquery.
    const probes = terms.map((_, i) => `(c.tsv @@ to_tsquery('english', $${i + 4})) AS m${i}`).join(', ');
    const r = await this.db.query(
      `SELECT c.id, c.document_id AS "documentId", c.collection, d.title, c.section, c.text, c.page, d.url,
         ts_rank(c.tsv, q) AS rank, ${probes}
       FROM kb_chunks c ${LIVE}, to_tsquery('english', $2) q
       WHERE c.collection = ANY($1) AND c.tsv @@ q
       ORDER BY rank DESC, c.id LIMIT $3`,
      [collections, terms.join(' | '), limit, ...terms],
    );
    return r.rows.map((row) => ({
      ...passageOf(row as PassageRow),
      score: Number(row.rank),
      matched: terms.flatMap((_, i) => (row[`m${i}`] ? [i] : [])),
    }));
  }

  async termStats(collections: string[], terms: string[]): Promise<{ chunks: number; df: number[] }> {
    if (collections.length === 0) return { chunks: 0, df: terms.map(() => 0) };
    const counts = terms.map(
      (_, i) => `count(*) FILTER (WHERE c.tsv @@ to_tsquery('english', $${i + 2}))::int AS d${i}`,
    );
    const r = await this.db.query(
      `SELECT count(*)::int AS n${counts.length ? `, ${counts.join(', ')}` : ''} FROM kb_chunks c ${LIVE} WHERE c.collection = ANY($1)`,
      [collections, ...terms],
    );
    const row = r.rows[0] ?? { n: 0 };
    return { chunks: Number(row.n), df: terms.map((_, i) => Number(row[`d${i}`] ?? 0)) };
  }

  async vectors(collection: string, model: string): Promise<Array<{ chunkId: string; vector: Float32Array }>> {
    const r = await this.db.query(
      `SELECT c.id, c.embedding FROM kb_chunks c ${LIVE} WHERE c.collection = $1 AND c.embedding_model = $2 ORDER BY c.id`,
      [collection, model],
    );
    return r.rows.map((row) => ({ chunkId: String(row.id), vector: vectorFromBytes(row.embedding as Buffer) }));
  }

  async passages(chunkIds: string[]): Promise<Passage[]> {
    if (chunkIds.length === 0) return [];
    const r = await this.db.query(
      `SELECT c.id, c.document_id AS "documentId", c.collection, d.title, c.section, c.text, c.page, d.url
       FROM kb_chunks c ${LIVE} WHERE c.id = ANY($1::bigint[])`,
      [chunkIds],
    );
    const byId = new Map(r.rows.map((row) => [String(row.id), passageOf(row as PassageRow)]));
    return chunkIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }

  async revision(collection: string): Promise<number> {
    const r = await this.db.query('SELECT revision FROM kb_collections WHERE name = $1', [collection]);
    return Number(r.rows[0]?.revision ?? 0);
  }

  async countChunks(documentId: string): Promise<number> {
    const r = await this.db.query('SELECT count(*)::int AS n FROM kb_chunks WHERE document_id = $1', [documentId]);
    return Number(r.rows[0].n);
  }
}

/** Brings an older knowledge schema to SCHEMA_VERSION (called under the schema lock). */
async function migrate(client: pg.PoolClient): Promise<void> {
  const row = (await client.query("SELECT value FROM kb_meta WHERE key = 'schema_version'")).rows[0] as
    { value: string } | undefined;
  if (Number(row?.value ?? 0) >= SCHEMA_VERSION) return;
  const generated = await client.query(
    "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'kb_chunks' AND column_name = 'tsv' AND is_generated = 'ALWAYS'",
  );
  if (generated.rowCount) await client.query('ALTER TABLE kb_chunks ALTER COLUMN tsv DROP EXPRESSION');
  for (let last = 0; ;) {
    const batch = await client.query('SELECT id, heading, text FROM kb_chunks WHERE id > $1 ORDER BY id LIMIT 500', [
      last,
    ]);
    if (batch.rows.length === 0) break;
    const ids = batch.rows.map((r) => r.id as string);
    await client.query(
      `UPDATE kb_chunks c SET tsv = ${TSV('u.h', 'u.t')} FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, h, t) WHERE c.id = u.id`,
      [
        ids,
        batch.rows.map((r) => searchForm(r.heading as string)),
        batch.rows.map((r) => searchForm(r.text as string)),
      ],
    );
    last = Number(ids.at(-1));
  }
  await client.query(
    "INSERT INTO kb_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
    [String(SCHEMA_VERSION)],
  );
}
