/**
 * The knowledge base's nouns and seams. A collection holds documents; a document is extracted into
 * blocks (headings and text, with page numbers), chunked along its sections, and indexed by a
 * `KnowledgeIndex` backend (SQLite FTS5 embedded, PostgreSQL full-text scaled). An `Embedder`, when
 * configured, adds vectors for hybrid retrieval.
 */

/** Collection names: safe in URLs, file names and SQL values alike. */
export const COLLECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export type DocumentStatus = 'indexing' | 'indexed' | 'failed';

/** Where a document's bytes come from; re-indexing reads them from there again. */
export type DocumentSource =
  { kind: 'upload'; blobKey: string } | { kind: 'file'; path: string } | { kind: 'url'; url: string };

export interface KnowledgeDocument {
  id: string;
  collection: string;
  /** Its own title, else its first heading, else the file name (SPEC §14). */
  title: string;
  fileName: string;
  mimeType?: string;
  source: DocumentSource;
  /** Link shown in citations (URL sources). */
  url?: string;
  /** SHA-256 of the indexed bytes: an unchanged file is not indexed again. */
  contentHash?: string;
  status: DocumentStatus;
  /** Why indexing failed (status `failed`), with its stable code. */
  error?: { code: string; message: string };
  /** Pages read so far (PDF) and chunks written, while indexing and after. */
  progress: { pages: number; chunks: number; totalPages?: number };
  /** Chunks of this generation are the searchable ones; a re-index writes the next and swaps. */
  generation: number;
  size?: number;
  createdAt: number;
  updatedAt: number;
}

/** One piece of extracted text: a heading (starting a section) or body text. */
export type Block =
  { kind: 'heading'; level: number; text: string; page?: number } | { kind: 'text'; text: string; page?: number };

/** What an extractor returns: the document's own title and its blocks, read lazily (page by page). */
export interface ExtractedDocument {
  title?: string;
  totalPages?: number;
  blocks: AsyncIterable<Block>;
}

/** A chunk as the chunker cuts it. */
export interface Chunk {
  ordinal: number;
  /** Section path: headings from the top level down, joined by " > ". Empty before any heading. */
  section: string;
  page?: number;
  text: string;
}

/** A chunk ready for the index: its heading text (title + section) is indexed with extra weight. */
export interface IndexedChunk extends Chunk {
  heading: string;
  embedding?: Float32Array;
}

/** A searchable passage, as retrieval returns it. */
export interface Passage {
  chunkId: string;
  documentId: string;
  collection: string;
  title: string;
  section: string;
  text: string;
  page?: number;
  url?: string;
}

/** A keyword hit: the passage, its backend score (higher is better) and which query terms it holds. */
export interface KeywordHit extends Passage {
  score: number;
  /** Indexes into the query's terms of those this passage contains (after stemming). */
  matched: number[];
}

export interface CollectionInfo {
  name: string;
  documents: number;
  chunks: number;
}

/**
 * The keyword index seam, one per backend (same contract tests on each). It also stores documents,
 * chunks and their vectors: one store, so a delete removes every chunk and vector at once.
 */
export interface KnowledgeIndex {
  open(): Promise<void>;
  close(): Promise<void>;
  putDocument(doc: KnowledgeDocument): Promise<void>;
  getDocument(collection: string, id: string): Promise<KnowledgeDocument | undefined>;
  /** The document fed by one source key (upload file name, folder path, URL) in a collection. */
  findBySourceKey(collection: string, sourceKey: string): Promise<KnowledgeDocument | undefined>;
  listDocuments(collection: string): Promise<KnowledgeDocument[]>;
  /** Documents left `indexing` (a process stopped mid-job): resumed on start. */
  unfinished(): Promise<KnowledgeDocument[]>;
  listCollections(): Promise<CollectionInfo[]>;
  /** Removes the document with every chunk and vector of every generation. */
  deleteDocument(collection: string, id: string): Promise<boolean>;
  /** Appends chunks of one generation of a document. */
  addChunks(
    doc: Pick<KnowledgeDocument, 'id' | 'collection'>,
    generation: number,
    chunks: IndexedChunk[],
    embeddingModel?: string,
  ): Promise<void>;
  /** Drops a document's chunks of every generation except `keep`. */
  dropOtherGenerations(documentId: string, keep: number): Promise<void>;
  /** Chunks of the searchable generation, best first, in any of `collections`, matching any term. */
  keywordSearch(collections: string[], terms: string[], limit: number): Promise<KeywordHit[]>;
  /** Per term: in how many searchable chunks of `collections` it occurs; and how many chunks there are. */
  termStats(collections: string[], terms: string[]): Promise<{ chunks: number; df: number[] }>;
  /** Searchable chunks with vectors from `model`, for the vector index. */
  vectors(collection: string, model: string): Promise<Array<{ chunkId: string; vector: Float32Array }>>;
  passages(chunkIds: string[]): Promise<Passage[]>;
  /** Grows on every change to a collection: caches (the vector index) reload when it moved. */
  revision(collection: string): Promise<number>;
  /** Chunks stored for a document, every generation (tests, delete checks). */
  countChunks(documentId: string): Promise<number>;
}

/** Text in, vectors out (OpenAI-compatible `/v1/embeddings`, or an embedded GGUF model). */
export interface Embedder {
  /** Model identity stored with each vector: vectors of another model are never compared. */
  readonly model: string;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  close?(): Promise<void>;
}

/**
 * A cross-encoder: reads the question and each passage together and scores how well the passage
 * answers it (0..1, higher is better), for the final order of the fused candidates.
 */
export interface Reranker {
  readonly model: string;
  /** One score per document, in the order given. */
  rank(query: string, documents: string[], signal?: AbortSignal): Promise<number[]>;
  close?(): Promise<void>;
}

/** The key under which a source feeds a document: the same key again replaces (re-indexes) it. */
export function sourceKeyOf(fileName: string, source: DocumentSource): string {
  if (source.kind === 'url') return `url:${source.url}`;
  if (source.kind === 'file') return `file:${source.path}`;
  return `upload:${fileName}`;
}
