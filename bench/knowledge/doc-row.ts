/** The stored row of a benchmark document, indexed as one generation (run.ts and variants.ts). */
import type { KnowledgeDocument } from '../../src/knowledge/types.js';

export function docRow(id: string, collection: string, title: string, fileName: string): KnowledgeDocument {
  const now = Date.now();
  return {
    id,
    collection,
    title,
    fileName,
    source: { kind: 'file', path: fileName },
    status: 'indexed',
    progress: { pages: 0, chunks: 0 },
    generation: 1,
    createdAt: now,
    updatedAt: now,
  };
}
