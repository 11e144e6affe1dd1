/**
 * The `discord:` section of channels.yml. One source of truth: the types, the validation errors
 * and the README's config reference all come from this schema.
 */
import { z } from 'zod';
import { channelBase } from '../common-config.js';

export const discordConfigSchema = z.strictObject({
  ...channelBase,
  token: z.string().min(1).describe('Bot token from the Developer Portal (use ${DISCORD_BOT_TOKEN})'),
  apiBase: z
    .url()
    .default('https://discord.com/api')
    .describe('REST base URL (a proxy or a test fake); the Gateway URL comes from GET /gateway/bot'),
  streamEditIntervalMs: z
    .int()
    .min(0)
    .default(1000)
    .describe('Streaming: edit the answer message at most this often while the model writes'),
  guildWaitMs: z.int().min(0).default(15_000).describe('How long to wait for guilds to arrive after the Gateway READY'),
  reconnect: z
    .strictObject({
      initialDelayMs: z.int().positive().default(1000).describe('First retry delay after a failed login'),
      maxDelayMs: z
        .int()
        .positive()
        .default(60_000)
        .describe('Longest delay between retries (the delay doubles up to this)'),
    })
    .prefault({})
    .describe('Backoff while Discord is unreachable (the Gateway itself resumes after drops)'),
});

export type DiscordConfig = z.infer<typeof discordConfigSchema>;
