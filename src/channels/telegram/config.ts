/**
 * The `telegram:` section of channels.yml. One source of truth: the types, the validation errors
 * and the README's config reference all come from this schema.
 */
import { z } from 'zod';
import { channelBase } from '../common-config.js';

/** Exponential reconnect backoff, shared shape for the poll loop and webhook registration. */
export const reconnectSchema = z
  .strictObject({
    initialDelayMs: z.int().positive().default(1000).describe('First retry delay after a failure'),
    maxDelayMs: z
      .int()
      .positive()
      .default(60_000)
      .describe('Longest delay between retries (the delay doubles up to this)'),
  })
  .prefault({});

export const telegramConfigSchema = z
  .strictObject({
    ...channelBase,
    token: z.string().min(1).describe('Bot token from @BotFather (use ${TELEGRAM_BOT_TOKEN})'),
    apiRoot: z
      .url()
      .default('https://api.telegram.org')
      .describe('Bot API root: the official server, a self-hosted Bot API server, or a test fake'),
    mode: z
      .enum(['polling', 'webhook'])
      .default('polling')
      .describe('How updates arrive: long polling or a webhook at /webhooks/telegram'),
    webhook: z
      .strictObject({
        url: z.url().describe('Public HTTPS URL Telegram posts updates to; must route to /webhooks/telegram'),
        secretToken: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,256}$/, '1-256 characters A-Z, a-z, 0-9, _ and -')
          .describe('Sent by Telegram in X-Telegram-Bot-Api-Secret-Token; requests without it are rejected'),
      })
      .optional()
      .describe('Webhook registration (mode: webhook)'),
    pollTimeoutSeconds: z.int().min(0).max(50).default(30).describe('Long-polling timeout of each getUpdates call'),
    streamEditIntervalMs: z
      .int()
      .min(0)
      .default(1000)
      .describe('Streaming: edit the answer message at most this often while the model writes'),
    maxRetryAfterSeconds: z
      .int()
      .positive()
      .default(60)
      .describe('429 responses: wait retry_after and retry when it is at most this long; give up otherwise'),
    reconnect: reconnectSchema.describe('Backoff while the Bot API is unreachable'),
  })
  .superRefine((c, issue) => {
    if (c.mode === 'webhook' && !c.webhook) {
      issue.addIssue({
        code: 'custom',
        path: ['webhook'],
        message: 'mode: webhook needs webhook.url and webhook.secretToken',
      });
    }
  });

export type TelegramConfig = z.infer<typeof telegramConfigSchema>;
