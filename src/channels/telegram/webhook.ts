/**
 * Webhook mode: `POST /webhooks/telegram`. Telegram sends the secret given to setWebhook in the
 * `X-Telegram-Bot-Api-Secret-Token` header; a request without the right one is rejected (401)
 * and logged. A valid update is acknowledged once the gateway took it (on the bus); one it could
 * not take (shutting down, bus down) gets a 503, so Telegram sends it again later.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Update } from 'grammy/types';
import type { Logger } from 'pino';
import { openObject } from '../../core/route-schema.js';

export const TELEGRAM_WEBHOOK_PATH = '/webhooks/telegram';
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** Constant-time comparison, so the secret cannot be guessed byte by byte from response times. */
export function secretMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface WebhookRouteOptions {
  secretToken: string;
  log: Logger;
  /** False until the bot knows who it is (getMe); Telegram retries a 503 later. */
  ready(): boolean;
  /** Handles one update; must not throw. False: not taken, Telegram must send it again. */
  handle(update: Update): Promise<boolean>;
}

/** Registers the webhook route inside its own Fastify scope. */
export async function registerWebhookRoute(app: FastifyInstance, opts: WebhookRouteOptions): Promise<void> {
  await app.register(async (scope) => {
    const ack = openObject({ ok: { type: 'boolean' } }, ['ok']);
    const schema = {
      summary: 'Telegram Bot API updates (webhook mode)',
      description: 'Needs the `X-Telegram-Bot-Api-Secret-Token` given to setWebhook; 503 asks Telegram to retry.',
      response: { 200: ack, 401: ack, 503: ack },
    };
    scope.post(TELEGRAM_WEBHOOK_PATH, { schema }, async (request, reply) => {
      if (!secretMatches(opts.secretToken, request.headers[SECRET_HEADER])) {
        opts.log.warn(
          { channel: 'telegram', ip: request.ip, code: 'HEARTH_E_UNAUTHORIZED' },
          'telegram webhook: bad or missing secret token; rejected',
        );
        return reply.code(401).send({ ok: false });
      }
      if (!opts.ready()) return reply.code(503).send({ ok: false });
      const update = request.body as Update;
      if (!(await opts.handle(update))) return reply.code(503).send({ ok: false });
      return reply.code(200).send({ ok: true });
    });
  });
}
