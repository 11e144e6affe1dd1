/**
 * Error handler for the security route plugins: Fastify's own errors (bad JSON, schema
 * validation, body too large) become the API's `{ error: { code, message } }` shape.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, HearthError } from '../core/errors.js';
import { sendError } from './http-error.js';

/** Maps an error thrown in a security route to a response; 5xx details stay in the log. */
export function securityErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof HearthError) return sendError(reply, err.httpStatus, err.code, err.message);
  const status = err.statusCode ?? 500;
  if (status === 413) return sendError(reply, 413, ErrorCode.tooLarge, 'request body too large');
  if (status >= 400 && status < 500)
    return sendError(
      reply,
      status,
      ErrorCode.badRequest,
      err.validation ? `invalid request: ${err.message}` : 'bad request',
    );
  req.log.error({ err }, 'security route failed');
  return sendError(reply, 500, ErrorCode.internal, 'internal error');
}
