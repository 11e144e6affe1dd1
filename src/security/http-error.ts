/**
 * The error body every security hook answers with: `{ error: { code, message } }`, the same
 * shape as the rest of the API so clients handle one format.
 */
import type { FastifyReply } from 'fastify';
import type { ErrorCode } from '../core/errors.js';

/** Sends `{ error: { code, message } }` with the status and returns the reply (for hook early exits). */
export function sendError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message } });
}
