/**
 * The knowledge base service: collections of documents (upload, watched folder, URL), background
 * indexing, hybrid search, and the per-turn preparation the engine calls before the model — the
 * passages for the prompt, the sources to append, or the plain "no answer".
 */
import { randomBytes } from 'node:crypto';
import { basename, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import type { BlobStore } from '../core/stores.js';
import { approxTokens } from './chunking.js';
import { contextBlock, noAnswerText, numberSources, sourcesText } from './citations.js';
import { kindOf, mimeOf } from './extract/index.js';
import { Ingestion } from './ingestion.js';
import { Retriever, type RetrievedPassage } from './retrieval.js';
import {
  COLLECTION_NAME,
  sourceKeyOf,
  type CollectionInfo,
  type DocumentSource,
  type Embedder,
  type KnowledgeDocument,
  type KnowledgeIndex,
  type Reranker,
} from './types.js';
import { checkUrl } from './url-fetch.js';
import { VectorIndex } from './vector-index.js';
import { FolderWatcher } from './watcher.js';

type KnowledgeConfig = HearthConfig['knowledge'];

export interface KnowledgeDeps {
  index: KnowledgeIndex;
  blobs: BlobStore;
  embedder?: Embedder;
  reranker?: Reranker;
  config: () => KnowledgeConfig;
  log: Logger;
}

/** What the engine gets for one turn of an agent with collections. */
export interface TurnKnowledge {
  /** The passages, as one system block for the prompt. */
  contextBlock?: string;
  /** Appended to the reply by Hearth (deltas and final text): the cited titles and sections. */
  sources: string;
  /** Set in strict mode when nothing is relevant: the whole reply; the model is not called. */
  noAnswer?: string;
}

export class KnowledgeBase {
  readonly ingestion: Ingestion;
  private readonly retriever: Retriever;
  private watcher?: FolderWatcher;

  constructor(private readonly deps: KnowledgeDeps) {
    this.ingestion = new Ingestion(deps);
    const vectors = deps.embedder
      ? {
          embedder: deps.embedder,
          index: new VectorIndex(deps.index, deps.embedder.model, (collection, size) =>
            deps.log.warn(
              { collection, chunks: size },
              'collection is past the exact vector scan size limit; queries slow down',
            ),
          ),
        }
      : undefined;
    this.retriever = new Retriever(
      deps.index,
      () => ({
        minRelevance: deps.config().minRelevance,
        minSimilarity: deps.config().embeddings?.minSimilarity ?? 1.01,
      }),
      vectors,
      deps.log,
      {},
      deps.reranker
        ? {
            reranker: deps.reranker,
            candidates: () => deps.config().reranker?.candidates ?? 20,
            minScore: () => deps.config().reranker?.minScore ?? 0.5,
          }
        : undefined,
    );
  }

  /** Resumes jobs a stop interrupted and starts the watched folders. */
  async start(): Promise<void> {
    for (const doc of await this.deps.index.unfinished()) this.ingestion.enqueue(doc.collection, doc.id);
    const folders = this.deps.config().folders;
    if (folders.length) {
      this.watcher = new FolderWatcher(
        folders,
        this.folderSink(),
        this.deps.log.child({ component: 'knowledge-watcher' }),
      );
      this.watcher.start();
    }
  }

  async stop(): Promise<void> {
    this.watcher?.stop();
    await this.ingestion.stop();
    await this.deps.embedder?.close?.();
    await this.deps.reranker?.close?.();
    await this.deps.index.close();
  }

  collections(): Promise<CollectionInfo[]> {
    return this.deps.index.listCollections();
  }

  listDocuments(collection: string): Promise<KnowledgeDocument[]> {
    return this.deps.index.listDocuments(checkCollection(collection));
  }

  getDocument(collection: string, id: string): Promise<KnowledgeDocument | undefined> {
    return this.deps.index.getDocument(checkCollection(collection), id);
  }

  /**
   * Adds (or replaces, when a file of that name is already in the collection) an uploaded file and
   * queues it. An unsupported type is recorded as failed at once, with the reason.
   */
  async addUpload(
    collection: string,
    file: { fileName: string; mimeType?: string; data: Buffer | Readable },
  ): Promise<KnowledgeDocument> {
    checkCollection(collection);
    const fileName = basename(file.fileName.replaceAll('\\', '/')) || 'document';
    const existing = await this.deps.index.findBySourceKey(
      collection,
      sourceKeyOf(fileName, { kind: 'upload', blobKey: '' }),
    );
    const id = existing?.id ?? newId();
    const blobKey = `knowledge/${collection}/${id}`;
    let unsupported: HearthError | undefined;
    // A streamed upload is judged by its name and type here; one with neither is judged by its
    // first bytes when the job reads it.
    const judgeable = Buffer.isBuffer(file.data) || /\.[A-Za-z0-9]+$/.test(fileName) || !!file.mimeType;
    try {
      if (judgeable)
        kindOf({
          fileName,
          mimeType: file.mimeType,
          head: Buffer.isBuffer(file.data) ? file.data.subarray(0, 4096) : Buffer.alloc(0),
        });
    } catch (err) {
      unsupported = err as HearthError;
    }
    if (unsupported && !Buffer.isBuffer(file.data)) file.data.resume();
    // Past the limit the upload fails whole: nothing recorded, and a document of that name keeps
    // its stored and indexed version (the blob stores replace a file only once it is complete).
    const meta = unsupported
      ? undefined
      : await this.deps.blobs.put(blobKey, capped(file.data, this.deps.config().maxFileBytes), {
          fileName,
          mimeType: file.mimeType,
        });
    return this.record(existing, {
      id,
      collection,
      fileName,
      mimeType: file.mimeType,
      source: { kind: 'upload', blobKey },
      size: meta?.size,
      ...(unsupported ? { error: { code: unsupported.code, message: unsupported.message } } : {}),
    });
  }

  /** Adds a document fetched from a URL of an allowed host (fetched in the background job). */
  async addUrl(collection: string, url: string): Promise<KnowledgeDocument> {
    checkCollection(collection);
    const checked = checkUrl(url, this.deps.config().urls.allowedHosts);
    const source: DocumentSource = { kind: 'url', url: checked.href };
    const existing = await this.deps.index.findBySourceKey(collection, sourceKeyOf('', source));
    const fileName = decodeURIComponent(checked.pathname.split('/').filter(Boolean).pop() ?? '') || checked.hostname;
    return this.record(
      existing,
      { id: existing?.id ?? newId(), collection, fileName, source, url: checked.href },
      true,
    );
  }

  /** Adds a file on disk (watched folders, `hearth knowledge add`). */
  async addFile(collection: string, path: string): Promise<KnowledgeDocument> {
    checkCollection(collection);
    const source: DocumentSource = { kind: 'file', path };
    const existing = await this.deps.index.findBySourceKey(collection, sourceKeyOf('', source));
    const fileName = basename(path);
    let error: { code: string; message: string } | undefined;
    try {
      kindOf({ fileName, head: Buffer.alloc(0) });
    } catch (err) {
      error = { code: (err as HearthError).code, message: (err as Error).message };
    }
    return this.record(existing, {
      id: existing?.id ?? newId(),
      collection,
      fileName,
      source,
      ...(error ? { error } : {}),
    });
  }

  private async record(
    existing: KnowledgeDocument | undefined,
    fields: Pick<KnowledgeDocument, 'id' | 'collection' | 'fileName' | 'source'> &
      Partial<Pick<KnowledgeDocument, 'mimeType' | 'size' | 'url' | 'error'>>,
    force = false,
  ): Promise<KnowledgeDocument> {
    const now = Date.now();
    const doc: KnowledgeDocument = {
      title: existing?.title ?? fields.fileName,
      progress: { pages: 0, chunks: 0 },
      generation: existing?.generation ?? 0,
      createdAt: existing?.createdAt ?? now,
      ...existing,
      ...fields,
      ...(existing?.contentHash ? { contentHash: existing.contentHash } : {}),
      status: fields.error ? 'failed' : 'indexing',
      updatedAt: now,
    };
    if (!fields.error) delete doc.error;
    await this.deps.index.putDocument(doc);
    if (fields.error)
      this.deps.log.warn(
        { collection: doc.collection, documentId: doc.id, fileName: doc.fileName, errorCode: fields.error.code },
        'document refused',
      );
    else this.ingestion.enqueue(doc.collection, doc.id, force);
    return doc;
  }

  /** Indexes a document again from its source, even when unchanged. */
  async reindex(collection: string, id: string): Promise<KnowledgeDocument | undefined> {
    const doc = await this.getDocument(collection, id);
    if (!doc) return undefined;
    if (doc.error?.code === ErrorCode.knowledgeUnsupported) return doc;
    const next = { ...doc, status: 'indexing' as const, updatedAt: Date.now() };
    delete next.error;
    await this.deps.index.putDocument(next);
    this.ingestion.enqueue(collection, id, true);
    return next;
  }

  /** Removes a document with every chunk, vector and stored upload. */
  async remove(collection: string, id: string): Promise<boolean> {
    const doc = await this.getDocument(collection, id);
    if (!doc) return false;
    this.ingestion.cancel(id);
    await this.deps.index.deleteDocument(collection, id);
    if (doc.source.kind === 'upload') await this.deps.blobs.delete(doc.source.blobKey).catch(() => undefined);
    this.deps.log.info({ collection, documentId: id, fileName: doc.fileName }, 'document removed');
    return true;
  }

  /** Removes a whole collection. Returns how many documents went. */
  async removeCollection(collection: string): Promise<number> {
    const docs = await this.listDocuments(collection);
    for (const d of docs) await this.remove(collection, d.id);
    return docs.length;
  }

  /** Resolves when every queued document is indexed or failed. */
  idle(): Promise<void> {
    return this.ingestion.idle();
  }

  search(collections: string[], question: string, k: number): Promise<RetrievedPassage[]> {
    for (const c of collections) checkCollection(c);
    return this.retriever.search(collections, question, k);
  }

  /**
   * Retrieval for one turn, before the model is called: the relevant passages that fit the token
   * budget as a context block, and the sources line; or, with none relevant in strict mode, the
   * "no answer" reply.
   */
  async prepare(collections: readonly string[], question: string): Promise<TurnKnowledge> {
    const config = this.deps.config();
    const found = await this.retriever.search([...collections], question, Math.max(config.passages * 3, 10));
    const chosen: RetrievedPassage[] = [];
    let tokens = 0;
    for (const p of found) {
      if (!p.relevant) continue;
      const cost = approxTokens(p.text) + 12;
      if (chosen.length > 0 && tokens + cost > config.passageTokens) continue;
      chosen.push(p);
      tokens += cost;
      if (chosen.length === config.passages) break;
    }
    if (chosen.length === 0) {
      if (config.strict) return { sources: '', noAnswer: noAnswerText([...collections]) };
      return {
        contextBlock:
          'The knowledge base has no passage about this question. If you answer from general knowledge, say so.',
        sources: '',
      };
    }
    const { sources, numberOf } = numberSources(chosen);
    return { contextBlock: contextBlock(chosen, numberOf, sources), sources: sourcesText(sources) };
  }

  private folderSink() {
    return {
      upsertFile: async (collection: string, path: string) => void (await this.addFile(collection, path)),
      knownFiles: async (collection: string, folder: string) =>
        (await this.deps.index.listDocuments(collection)).flatMap((d) =>
          d.source.kind === 'file' && (d.source.path === folder || d.source.path.startsWith(folder + sep))
            ? [d.source.path]
            : [],
        ),
      removeFile: async (collection: string, path: string) => {
        const doc = await this.deps.index.findBySourceKey(collection, sourceKeyOf('', { kind: 'file', path }));
        if (doc) await this.remove(collection, doc.id);
      },
    };
  }
}

/** The upload, failing with HEARTH_E_TOO_LARGE (413) once it passes `limit` bytes. */
function capped(data: Buffer | Readable, limit: number): Buffer | Readable {
  const tooLarge = () =>
    new HearthError(ErrorCode.tooLarge, `the file is larger than knowledge.maxFileBytes (${limit} bytes)`, 413);
  if (Buffer.isBuffer(data)) {
    if (data.length > limit) throw tooLarge();
    return data;
  }
  let seen = 0;
  const out = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > limit ? tooLarge() : null, chunk);
    },
  });
  data.on('error', (err) => out.destroy(err));
  return data.pipe(out);
}

function newId(): string {
  return `doc_${randomBytes(8).toString('hex')}`;
}

/** Throws 400 for a collection name that is not `[A-Za-z0-9][A-Za-z0-9_-]{0,63}`. */
export function checkCollection(name: string): string {
  if (!COLLECTION_NAME.test(name)) {
    throw new HearthError(
      ErrorCode.badRequest,
      `invalid collection name "${name}": letters, digits, - and _ (at most 64, starting with a letter or digit)`,
      400,
    );
  }
  return name;
}

export { mimeOf };
