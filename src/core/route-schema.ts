/**
 * Route schemas, declared on the routes so Fastify validates requests (and serializes responses)
 * from them and an OpenAPI document can be generated from the same source. Request schemas come
 * from the zod schemas that already define the data (one source of truth); response shapes are
 * plain JSON Schema.
 */
import { z } from 'zod';

/** A zod schema as the JSON Schema (draft-07) Fastify's validator reads, describing the accepted input. */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as Record<
    string,
    unknown
  >;
  return rest;
}

/**
 * `{ error: { code, message } }`: every error the API answers. Open, so a route that adds detail
 * (the documents of a refused upload, the parameter at fault) keeps it.
 */
export const errorResponse = {
  type: 'object',
  required: ['error'],
  additionalProperties: true,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: true,
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

/** An object whose listed properties are documented and whose others pass through unchanged. */
export function openObject(properties: Record<string, unknown> = {}, required: string[] = []) {
  return { type: 'object', additionalProperties: true, properties, ...(required.length ? { required } : {}) };
}

/** Responses of a route: the success shape and the error shape for every 4xx/5xx. */
export function responses(success: Record<number, unknown>) {
  return { ...success, '4xx': errorResponse, '5xx': errorResponse };
}

/**
 * A non-JSON answer (a page, a script, an image, a text format) of the given media types. Fastify
 * never serializes a string, Buffer or stream body, so this documents without changing the bytes.
 */
export function mediaResponse(description: string, ...mediaTypes: string[]) {
  return { description, content: Object.fromEntries(mediaTypes.map((t) => [t, { schema: { type: 'string' } }])) };
}

/** An empty answer (204, or a 200 with no body). */
export const emptyResponse = { description: 'No content', type: 'null' } as const;

/** The GET that upgrades to a WebSocket: 101, frames in JSON (documented in the README). */
export const webSocketResponse = {
  101: { description: 'Switching Protocols: the WebSocket is open', type: 'null' },
} as const;
