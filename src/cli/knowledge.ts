/**
 * `hearth knowledge add|list|search|remove`: the knowledge base from the command line, on the same
 * index the server uses (SQLite in the data folder, or PostgreSQL). `add` indexes in this process
 * and shows each document's progress until it is indexed or failed.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../core/config-load.js';
import type { HearthConfig } from '../core/config.js';
import { createLogger } from '../gateway/logger.js';
import { openKnowledgeBase, type KnowledgeBase } from '../knowledge/index.js';
import { sourceLabel } from '../knowledge/citations.js';
import { openStores } from '../storage/index.js';
import { reportConfigError } from './config-validate.js';

async function withKnowledge(
  configFile: string | undefined,
  fn: (kb: KnowledgeBase, config: HearthConfig) => Promise<void>,
): Promise<void> {
  let config: HearthConfig;
  try {
    config = loadConfig({ file: configFile }).config;
  } catch (err) {
    reportConfigError(err);
    process.exitCode = 1;
    return;
  }
  const stores = await openStores(config);
  const kb = await openKnowledgeBase(() => config, { blobs: stores.blobs, log: createLogger('error') });
  try {
    await fn(kb, config);
  } catch (err) {
    const code = (err as { code?: string }).code;
    console.error(`knowledge: ${(err as Error).message}${code?.startsWith('HEARTH_E_') ? ` (${code})` : ''}`);
    process.exitCode = 1;
  } finally {
    await kb.stop();
    await stores.close();
  }
}

/** Adds files (or URLs) to a collection and waits for each to be indexed; exit 1 if any failed. */
export async function knowledgeAddCommand(
  collection: string,
  sources: string[],
  opts: { config?: string },
): Promise<void> {
  await withKnowledge(opts.config, async (kb) => {
    const ids: string[] = [];
    for (const s of sources) {
      const doc = /^https?:\/\//i.test(s) ? await kb.addUrl(collection, s) : await kb.addFile(collection, resolve(s));
      ids.push(doc.id);
    }
    const timer = setInterval(() => void progress(kb, collection, ids, false), 1000);
    await kb.idle();
    clearInterval(timer);
    if (!(await progress(kb, collection, ids, true))) process.exitCode = 1;
  });
}

async function progress(kb: KnowledgeBase, collection: string, ids: string[], final: boolean): Promise<boolean> {
  let ok = true;
  for (const id of ids) {
    const d = await kb.getDocument(collection, id);
    if (!d) continue;
    const pages = d.progress.totalPages ? `${d.progress.pages}/${d.progress.totalPages} pages, ` : '';
    const why = d.error ? `: ${d.error.message} (${d.error.code})` : '';
    if (d.status === 'failed') ok = false;
    if (final || d.status === 'indexing')
      console.log(`${d.id}\t${d.status}\t${pages}${d.progress.chunks} chunks\t${d.fileName}${why}`);
  }
  return ok;
}

/** Lists collections, or the documents of one. */
export async function knowledgeListCommand(collection: string | undefined, opts: { config?: string }): Promise<void> {
  await withKnowledge(opts.config, async (kb) => {
    if (!collection) {
      const list = await kb.collections();
      if (list.length === 0)
        console.log('No collections yet. Add documents with `hearth knowledge add <collection> <file…>`.');
      for (const c of list) console.log(`${c.name}\t${c.documents} documents\t${c.chunks} chunks`);
      return;
    }
    for (const d of await kb.listDocuments(collection)) {
      console.log(
        `${d.id}\t${d.status}\t${d.progress.chunks} chunks\t${d.title}\t${d.fileName}${d.error ? `\t${d.error.code}: ${d.error.message}` : ''}`,
      );
    }
  });
}

export async function knowledgeSearchCommand(
  collection: string,
  query: string,
  opts: { config?: string; k?: string },
): Promise<void> {
  await withKnowledge(opts.config, async (kb) => {
    const k = Math.min(50, Math.max(1, Number(opts.k ?? 5) || 5));
    const hits = await kb.search([collection], query, k);
    if (hits.length === 0) console.log('No passage found.');
    hits.forEach((h, i) => {
      console.log(
        `${i + 1}. ${sourceLabel(h)}  [${h.documentId}, score ${h.score.toFixed(4)}${h.relevant ? '' : ', below the relevance threshold'}]`,
      );
      console.log(`   ${h.text.replace(/\s+/g, ' ').slice(0, 300)}`);
    });
  });
}

export async function knowledgeRemoveCommand(
  collection: string,
  id: string | undefined,
  opts: { config?: string; all?: boolean },
): Promise<void> {
  await withKnowledge(opts.config, async (kb) => {
    if (opts.all) {
      console.log(`removed ${await kb.removeCollection(collection)} documents from ${collection}`);
      return;
    }
    if (!id) throw new Error('give a document id, or --all for the whole collection');
    if (!(await kb.remove(collection, id))) throw new Error(`no document ${id} in ${collection}`);
    console.log(`removed ${id}`);
  });
}
