/**
 * Background indexing jobs, one at a time (bounded memory: one document's bytes and one batch of
 * chunks in flight). A job reads the document's source, skips it when its content hash is
 * unchanged, extracts and chunks it page by page, embeds and writes chunks in batches under the
 * next generation, and only then makes that generation the searchable one — a failing file keeps
 * its previous version searchable and fails alone with a clear error.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import type { BlobStore } from '../core/stores.js';
import { chunkBlocks } from './chunking.js';
import { extractDocument } from './extract/index.js';
import type { Block, Chunk, Embedder, IndexedChunk, KnowledgeDocument, KnowledgeIndex } from './types.js';
import { fetchDocument } from './url-fetch.js';

/** Chunks embedded and written per batch. */
const BATCH = 64;

export interface IngestionDeps {
  index: KnowledgeIndex;
  blobs: BlobStore;
  embedder?: Embedder;
  config: () => HearthConfig['knowledge'];
  log: Logger;
}

export class Ingestion {
  private readonly queue: Array<{ collection: string; id: string; force: boolean }> = [];
  private running?: Promise<void>;
  private readonly cancelled = new Set<string>();
  private readonly stopping = new AbortController();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: IngestionDeps) {}

  /** Queues a document for indexing (`force`: even when its content is unchanged). */
  enqueue(collection: string, id: string, force = false): void {
    this.cancelled.delete(id);
    if (!this.queue.some((j) => j.id === id)) this.queue.push({ collection, id, force });
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  /** Stops a queued or running job of a deleted document. */
  cancel(id: string): void {
    this.cancelled.add(id);
    const at = this.queue.findIndex((j) => j.id === id);
    if (at >= 0) this.queue.splice(at, 1);
  }

  /** Resolves when no job is queued or running. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops after the current batch; unfinished documents stay `indexing` and resume on the next start. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.queue.length = 0;
    await this.running;
  }

  private async drain(): Promise<void> {
    for (let job = this.queue.shift(); job && !this.stopping.signal.aborted; job = this.queue.shift()) {
      const doc = await this.deps.index.getDocument(job.collection, job.id).catch(() => undefined);
      if (!doc) continue;
      await this.run(doc, job.force);
    }
  }

  private async run(doc: KnowledgeDocument, force: boolean): Promise<void> {
    const { index, log } = this.deps;
    const started = performance.now();
    const jobLog = log.child({ collection: doc.collection, documentId: doc.id, fileName: doc.fileName });
    const generation = doc.generation + 1;
    try {
      // Leftovers of a job a stop interrupted would otherwise join this generation.
      await index.dropOtherGenerations(doc.id, doc.generation);
      const input = await this.read(doc);
      const contentHash = createHash('sha256').update(input.data).digest('hex');
      if (!force && doc.contentHash === contentHash && doc.generation > 0) {
        await index.putDocument({ ...doc, status: 'indexed', error: undefined, updatedAt: Date.now() });
        jobLog.info('document unchanged; kept its index');
        return;
      }
      const extracted = await extractDocument({
        fileName: input.fileName,
        mimeType: input.mimeType ?? doc.mimeType,
        data: input.data,
      });
      let firstHeading: string | undefined;
      const progress = { pages: 0, chunks: 0, ...(extracted.totalPages ? { totalPages: extracted.totalPages } : {}) };
      const titleNow = () => extracted.title ?? firstHeading ?? doc.fileName;
      const pagesSeen = async function* (blocks: AsyncIterable<Block>): AsyncGenerator<Block> {
        for await (const b of blocks) {
          if (b.page && b.page > progress.pages) progress.pages = b.page;
          yield b;
        }
      };
      let batch: Chunk[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        if (this.cancelled.has(doc.id)) throw new Cancelled();
        const chunks = await this.embed(batch, titleNow());
        await index.addChunks(doc, generation, chunks, this.deps.embedder?.model);
        progress.chunks += batch.length;
        batch = [];
        await index.putDocument({
          ...doc,
          mimeType: extracted.mimeType,
          progress: { ...progress },
          updatedAt: Date.now(),
        });
      };
      const { maxTokens, overlapTokens } = this.deps.config().chunk;
      for await (const chunk of chunkBlocks(
        pagesSeen(extracted.blocks),
        { maxTokens, overlapTokens },
        (h) => (firstHeading ??= h),
      )) {
        batch.push(chunk);
        if (batch.length >= BATCH) await flush();
        if (this.stopping.signal.aborted) return;
      }
      await flush();
      if (progress.chunks === 0) {
        throw new HearthError(
          ErrorCode.knowledgeExtract,
          'no text found in the document (a scanned PDF needs OCR first)',
          422,
        );
      }
      if (this.cancelled.has(doc.id)) throw new Cancelled();
      await index.putDocument({
        ...doc,
        title: titleNow(),
        mimeType: extracted.mimeType,
        contentHash,
        size: input.data.length,
        status: 'indexed',
        error: undefined,
        progress,
        generation,
        ...(input.url ? { url: input.url } : {}),
        updatedAt: Date.now(),
      });
      await index.dropOtherGenerations(doc.id, generation);
      jobLog.info(
        { chunks: progress.chunks, pages: progress.pages, latencyMs: Math.round(performance.now() - started) },
        'document indexed',
      );
    } catch (err) {
      await index.dropOtherGenerations(doc.id, doc.generation).catch(() => undefined);
      if (err instanceof Cancelled || this.cancelled.has(doc.id)) {
        await index.deleteDocument(doc.collection, doc.id).catch(() => undefined);
        jobLog.info('indexing stopped: the document was removed');
        return;
      }
      const code = err instanceof HearthError ? err.code : ErrorCode.knowledgeExtract;
      const message = err instanceof Error ? err.message : String(err);
      await index
        .putDocument({ ...doc, status: 'failed', error: { code, message }, updatedAt: Date.now() })
        .catch(() => undefined);
      jobLog.warn({ errorCode: code, err: { message } }, 'document failed to index');
    }
  }

  /** Heading text per chunk (title and section, searched with extra weight) and vectors when configured. */
  private async embed(chunks: Chunk[], title: string): Promise<IndexedChunk[]> {
    const out: IndexedChunk[] = chunks.map((c) => ({ ...c, heading: c.section ? `${title}\n${c.section}` : title }));
    const embedder = this.deps.embedder;
    if (!embedder) return out;
    const batchSize = this.deps.config().embeddings?.batchSize ?? BATCH;
    for (let i = 0; i < out.length; i += batchSize) {
      const slice = out.slice(i, i + batchSize);
      const vectors = await embedder.embed(
        slice.map((c) => `${c.heading}\n${c.text}`),
        this.stopping.signal,
      );
      slice.forEach((c, j) => (c.embedding = vectors[j]));
    }
    return out;
  }

  private async read(
    doc: KnowledgeDocument,
  ): Promise<{ data: Buffer; fileName: string; mimeType?: string; url?: string }> {
    const { maxFileBytes, urls } = this.deps.config();
    const tooLarge = (size: number) =>
      new HearthError(
        ErrorCode.tooLarge,
        `the document is ${size} bytes, more than knowledge.maxFileBytes (${maxFileBytes})`,
        413,
      );
    const source = doc.source;
    if (source.kind === 'upload') {
      const data = await this.deps.blobs.get(source.blobKey);
      if (!data)
        throw new HearthError(
          ErrorCode.notFound,
          'the uploaded file is gone from the blob store; upload it again',
          404,
        );
      return { data, fileName: doc.fileName, mimeType: doc.mimeType };
    }
    if (source.kind === 'file') {
      const info = await stat(source.path).catch(() => undefined);
      if (!info?.isFile()) throw new HearthError(ErrorCode.notFound, `${source.path} is not a readable file`, 404);
      if (info.size > maxFileBytes) throw tooLarge(info.size);
      return { data: await readFile(source.path), fileName: doc.fileName };
    }
    const fetched = await fetchDocument(source.url, {
      allowedHosts: urls.allowedHosts,
      maxBytes: maxFileBytes,
      timeoutMs: urls.timeoutMs,
      signal: this.stopping.signal,
    });
    return { data: fetched.data, fileName: doc.fileName, mimeType: fetched.mimeType, url: source.url };
  }
}

/** The document was removed while it was being indexed. */
class Cancelled extends Error {}
