/**
 * The knowledge base admin API (the /admin guard gives viewer for GET, operator for changes):
 *   GET    /admin/knowledge                                   collections
 *   POST   /admin/knowledge/:collection/documents             multipart `file` (one or more), or JSON {"url"} / {"urls": […]}
 *   GET    /admin/knowledge/:collection/documents             {"documents": […]} with status indexing | indexed | failed (+ error)
 *   GET    /admin/knowledge/:collection/documents/:id
 *   POST   /admin/knowledge/:collection/documents/:id/reindex
 *   DELETE /admin/knowledge/:collection/documents/:id
 *   DELETE /admin/knowledge/:collection
 *   GET    /admin/knowledge/:collection/search?q=…&k=…        {"results": [{documentId, title, section, text, score}]} best first
 * Errors: `{ error: { code, message } }`.
 */
import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { ErrorCode, HearthError } from '../core/errors.js';
import { openObject, responses } from '../core/route-schema.js';
import type { KnowledgeBase } from './knowledge-base.js';
import type { KnowledgeDocument } from './types.js';

export interface KnowledgeRouteDeps {
  knowledge: KnowledgeBase;
  /** Largest file accepted (knowledge.maxFileBytes). */
  maxFileBytes: () => number;
}

/** Most files in one upload request. */
const MAX_FILES = 50;

/** What the API shows of a document (never its blob key or file path). */
export function documentView(d: KnowledgeDocument) {
  return {
    id: d.id,
    collection: d.collection,
    title: d.title,
    fileName: d.fileName,
    ...(d.mimeType ? { mimeType: d.mimeType } : {}),
    ...(d.url ? { url: d.url } : {}),
    source: d.source.kind,
    status: d.status,
    ...(d.error ? { error: d.error } : {}),
    progress: d.progress,
    ...(d.size !== undefined ? { size: d.size } : {}),
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  };
}

const searchQuery = z.object({
  q: z.string().trim().min(1, 'q (the question) is required'),
  k: z.coerce.number().int().min(1).max(50).default(5),
});

const urlBody = z.union([
  z.object({ url: z.string().min(1) }),
  z.object({ urls: z.array(z.string().min(1)).min(1).max(MAX_FILES) }),
]);

const collectionParam = { collection: { type: 'string', minLength: 1 } };
const docParams = {
  type: 'object',
  required: ['collection', 'id'],
  properties: { ...collectionParam, id: { type: 'string', minLength: 1 } },
};
const collParams = { type: 'object', required: ['collection'], properties: collectionParam };
const document = openObject({ id: { type: 'string' }, status: { type: 'string' }, title: { type: 'string' } }, [
  'id',
  'status',
]);
const documents = openObject({ documents: { type: 'array', items: document } }, ['documents']);
const oneDocument = openObject({ document }, ['document']);
/** The route schemas (request parameters and answers); bodies and queries are checked with zod in the handlers. */
const SCHEMAS = {
  collections: {
    summary: 'Knowledge collections with their document counts',
    response: responses({ 200: openObject({ collections: { type: 'array', items: openObject() } }, ['collections']) }),
  },
  add: {
    summary: 'Adds documents: multipart files in field `file`, or JSON {"url"} / {"urls"}',
    description: 'Indexing runs in the background: each document starts `pending`; poll it for `indexed` or `failed`.',
    consumes: ['multipart/form-data', 'application/json'],
    params: collParams,
    response: responses({
      202: documents,
      415: {
        description: 'Every file is of an unsupported type',
        ...openObject({ error: openObject(), documents: { type: 'array', items: document } }),
      },
    }),
  },
  list: { summary: "A collection's documents", params: collParams, response: responses({ 200: documents }) },
  get: { summary: 'One document and its status', params: docParams, response: responses({ 200: oneDocument }) },
  reindex: { summary: 'Indexes a document again', params: docParams, response: responses({ 202: oneDocument }) },
  remove: {
    summary: 'Removes a document',
    params: docParams,
    response: responses({ 200: openObject({ removed: { type: 'string' } }, ['removed']) }),
  },
  removeCollection: {
    summary: 'Removes a collection and its documents',
    params: collParams,
    response: responses({ 200: openObject({ removedDocuments: { type: 'integer' } }, ['removedDocuments']) }),
  },
  search: {
    summary: 'Searches a collection (`q`, optional `k`)',
    params: collParams,
    querystring: openObject({ q: { type: 'string' }, k: { type: 'integer' } }),
    response: responses({ 200: openObject({ results: { type: 'array', items: openObject() } }, ['results']) }),
  },
};

function errorBody(err: FastifyError | HearthError | Error): { status: number; code: string; message: string } {
  if (err instanceof HearthError) return { status: err.httpStatus, code: err.code, message: err.message };
  const fe = err as FastifyError;
  if (fe.code === 'FST_REQ_FILE_TOO_LARGE' || fe.statusCode === 413)
    return { status: 413, code: ErrorCode.tooLarge, message: 'the file is larger than knowledge.maxFileBytes' };
  if (fe.code === 'FST_FILES_LIMIT')
    return { status: 413, code: ErrorCode.tooLarge, message: `at most ${MAX_FILES} files per upload` };
  if (fe.statusCode && fe.statusCode < 500)
    return { status: fe.statusCode, code: ErrorCode.badRequest, message: fe.message };
  return { status: 500, code: ErrorCode.internal, message: 'internal error' };
}

function notFound(reply: FastifyReply, what: string) {
  return reply.code(404).send({ error: { code: ErrorCode.notFound, message: what } });
}

export async function knowledgeRoutes(app: FastifyInstance, deps: KnowledgeRouteDeps): Promise<void> {
  const kb = deps.knowledge;
  await app.register(async (scope) => {
    // One byte over the limit reaches the knowledge base, which then refuses the file whole (the
    // parser alone would only truncate it).
    await scope.register(multipart, {
      limits: {
        fileSize: deps.maxFileBytes() + 1,
        files: MAX_FILES,
        fields: 10,
        fieldSize: 16 * 1024,
        parts: MAX_FILES + 10,
      },
    });
    scope.setErrorHandler((err: FastifyError, req, reply) => {
      const { status, code, message } = errorBody(err);
      if (status >= 500) req.log.error({ err }, 'knowledge route failed');
      else req.log.warn({ errorCode: code, reason: message }, 'knowledge request rejected');
      return reply.code(status).send({ error: { code, message } });
    });

    scope.get('/admin/knowledge', { schema: SCHEMAS.collections }, async () => ({
      collections: await kb.collections(),
    }));

    scope.post<{ Params: { collection: string } }>(
      '/admin/knowledge/:collection/documents',
      { schema: SCHEMAS.add },
      async (req, reply) => {
        const { collection } = req.params;
        const added: KnowledgeDocument[] = [];
        if (req.isMultipart()) {
          for await (const part of req.parts()) {
            if (part.type !== 'file') continue;
            if (part.fieldname !== 'file')
              throw new HearthError(
                ErrorCode.badRequest,
                `unexpected file field ${part.fieldname}: send files in field \`file\``,
                400,
              );
            // A file past the limit fails (413), so it is never recorded; files before it stay added.
            const doc = await kb.addUpload(collection, {
              fileName: part.filename || 'document',
              mimeType: part.mimetype,
              data: part.file,
            });
            added.push(doc);
          }
          if (added.length === 0)
            throw new HearthError(ErrorCode.badRequest, 'no file: put documents in multipart field `file`', 400);
        } else {
          const body = urlBody.safeParse(req.body);
          if (!body.success)
            throw new HearthError(
              ErrorCode.badRequest,
              'send multipart/form-data with files in field `file`, or JSON {"url": "https://…"}',
              400,
            );
          const urls = 'url' in body.data ? [body.data.url] : body.data.urls;
          for (const url of urls) added.push(await kb.addUrl(collection, url));
        }
        const documents = added.map(documentView);
        req.log.info(
          { collection, documents: documents.map((d) => d.id), actor: req.principal?.id },
          'knowledge documents added',
        );
        // Every file refused (all of an unsupported type): the request as a whole is a 415.
        if (added.every((d) => d.status === 'failed' && d.error?.code === ErrorCode.knowledgeUnsupported)) {
          return reply.code(415).send({ error: added[0].error, documents });
        }
        return reply.code(202).send({ documents });
      },
    );

    scope.get<{ Params: { collection: string } }>(
      '/admin/knowledge/:collection/documents',
      { schema: SCHEMAS.list },
      async (req) => ({
        documents: (await kb.listDocuments(req.params.collection)).map(documentView),
      }),
    );

    scope.get<{ Params: { collection: string; id: string } }>(
      '/admin/knowledge/:collection/documents/:id',
      { schema: SCHEMAS.get },
      async (req, reply) => {
        const doc = await kb.getDocument(req.params.collection, req.params.id);
        return doc
          ? { document: documentView(doc) }
          : notFound(reply, `no document ${req.params.id} in ${req.params.collection}`);
      },
    );

    scope.post<{ Params: { collection: string; id: string } }>(
      '/admin/knowledge/:collection/documents/:id/reindex',
      { schema: SCHEMAS.reindex },
      async (req, reply) => {
        const doc = await kb.reindex(req.params.collection, req.params.id);
        return doc
          ? reply.code(202).send({ document: documentView(doc) })
          : notFound(reply, `no document ${req.params.id} in ${req.params.collection}`);
      },
    );

    scope.delete<{ Params: { collection: string; id: string } }>(
      '/admin/knowledge/:collection/documents/:id',
      { schema: SCHEMAS.remove },
      async (req, reply) => {
        const gone = await kb.remove(req.params.collection, req.params.id);
        return gone
          ? { removed: req.params.id }
          : notFound(reply, `no document ${req.params.id} in ${req.params.collection}`);
      },
    );

    scope.delete<{ Params: { collection: string } }>(
      '/admin/knowledge/:collection',
      { schema: SCHEMAS.removeCollection },
      async (req) => ({
        removedDocuments: await kb.removeCollection(req.params.collection),
      }),
    );

    scope.get<{ Params: { collection: string } }>(
      '/admin/knowledge/:collection/search',
      { schema: SCHEMAS.search },
      async (req) => {
        const q = searchQuery.safeParse(req.query);
        if (!q.success) {
          const i = q.error.issues[0];
          throw new HearthError(ErrorCode.badRequest, `${i.path.join('.') || 'query'}: ${i.message}`, 400);
        }
        const hits = await kb.search([req.params.collection], q.data.q, q.data.k);
        return {
          results: hits.map((h) => ({
            documentId: h.documentId,
            title: h.title,
            section: h.section,
            text: h.text,
            score: Number(h.score.toFixed(6)),
            ...(h.page !== undefined ? { page: h.page } : {}),
            ...(h.url ? { url: h.url } : {}),
            relevant: h.relevant,
          })),
        };
      },
    );
  });
}
