/**
 * The `slack:` section of channels.yml. One source of truth: the types, the validation errors and
 * the README's config reference all come from this schema.
 */
import { z } from 'zod';
import { channelBase } from '../common-config.js';

export const slackConfigSchema = z
  .strictObject({
    ...channelBase,
    mode: z
      .enum(['socket', 'events'])
      .default('socket')
      .describe('socket: Socket Mode WebSocket (no public URL needed); events: Events API posts to /webhooks/slack'),
    botToken: z.string().min(1).describe('Bot token, xoxb-… (use ${SLACK_BOT_TOKEN})'),
    appToken: z
      .string()
      .min(1)
      .optional()
      .describe('App-level token with connections:write, xapp-… (Socket Mode; use ${SLACK_APP_TOKEN})'),
    signingSecret: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Signing secret (events mode): every request to /webhooks/slack is verified with it (use ${SLACK_SIGNING_SECRET})',
      ),
    apiUrl: z
      .url()
      .default('https://slack.com/api/')
      .describe('Web API base URL: the real Slack, a proxy, or a test fake'),
    replayWindowSeconds: z
      .int()
      .positive()
      .default(300)
      .describe('Events mode: requests whose X-Slack-Request-Timestamp is further than this from now are rejected'),
    streamEditIntervalMs: z
      .int()
      .min(0)
      .default(1000)
      .describe('Streaming: update the answer (chat.update) at most this often while the model writes'),
    reconnect: z
      .strictObject({
        initialDelayMs: z.int().positive().default(1000).describe('First retry delay after a failure'),
        maxDelayMs: z
          .int()
          .positive()
          .default(60_000)
          .describe('Longest delay between retries (the delay doubles up to this)'),
      })
      .prefault({})
      .describe('Backoff while Slack is unreachable'),
  })
  .superRefine((c, issue) => {
    if (c.mode === 'socket' && !c.appToken) {
      issue.addIssue({ code: 'custom', path: ['appToken'], message: 'mode: socket needs appToken (xapp-…)' });
    }
    if (c.mode === 'events' && !c.signingSecret) {
      issue.addIssue({ code: 'custom', path: ['signingSecret'], message: 'mode: events needs signingSecret' });
    }
  });

export type SlackConfig = z.infer<typeof slackConfigSchema>;
