/**
 * Vector search by an exact scan over one contiguous Float32Array per collection, in memory.
 *
 * Why not an approximate index (sqlite-vec, pgvector HNSW, usearch, hnswlib): a company knowledge
 * base is thousands to tens of thousands of chunks. An exact cosine scan of 10,000 × 384-dim
 * vectors is ~4 M multiply-adds, a few milliseconds in V8, with perfect recall, no native
 * extension to build or load on every platform and Node version we support, and the same code on
 * SQLite and PostgreSQL. It stays under the 50 ms query budget up to ~100,000 chunks per collection
 * (~150 MB of RAM at 384 dims); beyond that size an ANN index is the right tool and this class is
 * the one seam to swap. The vectors themselves are stored with their chunks (so a delete removes
 * them); this cache reloads a collection only when its revision moved (any replica's write).
 */
import type { KnowledgeIndex } from './types.js';

/** The documented size limit of the exact scan (see above); larger collections log a warning. */
export const EXACT_SCAN_LIMIT = 100_000;

interface Loaded {
  revision: number;
  ids: string[];
  /** Row of each chunk id in `matrix`. */
  rows: Map<string, number>;
  dims: number;
  matrix: Float32Array;
}

export class VectorIndex {
  private readonly cache = new Map<string, Loaded>();
  private readonly loading = new Map<string, Promise<Loaded>>();

  constructor(
    private readonly index: KnowledgeIndex,
    private readonly model: string,
    private readonly onLarge?: (collection: string, size: number) => void,
  ) {}

  /** The `limit` chunks most similar to `query` in `collections`, best first, with cosine similarity. */
  async search(
    collections: string[],
    query: Float32Array,
    limit: number,
  ): Promise<Array<{ chunkId: string; similarity: number }>> {
    const q = normalized(query);
    const hits: Array<{ chunkId: string; similarity: number }> = [];
    for (const collection of collections) {
      const loaded = await this.load(collection);
      if (loaded.dims !== q.length) continue;
      const { matrix, dims, ids } = loaded;
      for (let row = 0; row < ids.length; row++) {
        let dot = 0;
        const base = row * dims;
        for (let i = 0; i < dims; i++) dot += matrix[base + i] * q[i];
        hits.push({ chunkId: ids[row], similarity: dot });
      }
    }
    hits.sort((a, b) => b.similarity - a.similarity);
    return hits.slice(0, limit);
  }

  /**
   * The stored (unit-length) vectors of `chunkIds` in `collections`, in the order asked; ids without
   * a vector of this model are left out. Pseudo-relevance feedback reads the keyword hits' vectors here.
   */
  async stored(collections: string[], chunkIds: string[]): Promise<Float32Array[]> {
    const loaded = await Promise.all(collections.map((c) => this.load(c)));
    return chunkIds.flatMap((id) => {
      for (const { rows, matrix, dims } of loaded) {
        const row = rows.get(id);
        if (row !== undefined) return [matrix.slice(row * dims, (row + 1) * dims)];
      }
      return [];
    });
  }

  private async load(collection: string): Promise<Loaded> {
    const revision = await this.index.revision(collection);
    const cached = this.cache.get(collection);
    if (cached && cached.revision === revision) return cached;
    const pending = this.loading.get(collection);
    if (pending) return pending;
    const job = (async () => {
      const rows = await this.index.vectors(collection, this.model);
      const dims = rows[0]?.vector.length ?? 0;
      const usable = rows.filter((r) => r.vector.length === dims);
      const matrix = new Float32Array(usable.length * dims);
      usable.forEach((r, i) => matrix.set(normalized(r.vector), i * dims));
      if (usable.length > EXACT_SCAN_LIMIT) this.onLarge?.(collection, usable.length);
      const ids = usable.map((r) => r.chunkId);
      const loaded = { revision, ids, rows: new Map(ids.map((id, row) => [id, row])), dims, matrix };
      this.cache.set(collection, loaded);
      return loaded;
    })().finally(() => this.loading.delete(collection));
    this.loading.set(collection, job);
    return job;
  }
}

function normalized(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / norm;
  return out;
}
