/** Row ⇄ document conversions and vector bytes, shared by the SQLite and PostgreSQL indexes. */
import type { DocumentSource, DocumentStatus, KnowledgeDocument } from '../types.js';

export interface DocumentRow {
  id: string;
  collection: string;
  source_key: string;
  title: string;
  file_name: string;
  mime_type: string | null;
  source: string;
  url: string | null;
  content_hash: string | null;
  status: string;
  error_code: string | null;
  error_message: string | null;
  pages: number | string;
  chunks: number | string;
  total_pages: number | string | null;
  generation: number | string;
  size: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

export function documentRow(d: KnowledgeDocument, sourceKey: string): DocumentRow {
  return {
    id: d.id,
    collection: d.collection,
    source_key: sourceKey,
    title: d.title,
    file_name: d.fileName,
    mime_type: d.mimeType ?? null,
    source: JSON.stringify(d.source),
    url: d.url ?? null,
    content_hash: d.contentHash ?? null,
    status: d.status,
    error_code: d.error?.code ?? null,
    error_message: d.error?.message ?? null,
    pages: d.progress.pages,
    chunks: d.progress.chunks,
    total_pages: d.progress.totalPages ?? null,
    generation: d.generation,
    size: d.size ?? null,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

export function documentFromRow(r: DocumentRow): KnowledgeDocument {
  return {
    id: r.id,
    collection: r.collection,
    title: r.title,
    fileName: r.file_name,
    ...(r.mime_type ? { mimeType: r.mime_type } : {}),
    source: JSON.parse(r.source) as DocumentSource,
    ...(r.url ? { url: r.url } : {}),
    ...(r.content_hash ? { contentHash: r.content_hash } : {}),
    status: r.status as DocumentStatus,
    ...(r.error_code ? { error: { code: r.error_code, message: r.error_message ?? '' } } : {}),
    progress: {
      pages: Number(r.pages),
      chunks: Number(r.chunks),
      ...(r.total_pages !== null ? { totalPages: Number(r.total_pages) } : {}),
    },
    generation: Number(r.generation),
    ...(r.size !== null ? { size: Number(r.size) } : {}),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** Float32 little-endian bytes, the on-disk form of a vector in both backends. */
export function vectorToBytes(v: Float32Array): Buffer {
  const out = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) out.writeFloatLE(v[i], i * 4);
  return out;
}

export function vectorFromBytes(b: Buffer): Float32Array {
  const out = new Float32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}
