/**
 * The `whatsapp:` section of channels.yml. One source of truth: the types, the validation errors
 * and the README's config reference all come from this schema.
 */
import { z } from 'zod';
import { channelBase } from '../common-config.js';

export const whatsappConfigSchema = z
  .strictObject({
    ...channelBase,
    mode: z
      .enum(['web', 'cloud'])
      .default('web')
      .describe(
        'web: WhatsApp Web multi-device (Baileys, QR pairing); cloud: the official WhatsApp Business Cloud API (webhook at /webhooks/whatsapp)',
      ),
    web: z
      .strictObject({
        authDir: z
          .string()
          .optional()
          .describe('Where the linked-device credentials are kept; default <dataDir>/whatsapp'),
        printQr: z
          .boolean()
          .default(true)
          .describe('Print the pairing QR code in the terminal (it is also served to the admin console)'),
      })
      .prefault({})
      .describe('WhatsApp Web settings (mode: web)'),
    cloud: z
      .strictObject({
        phoneNumberId: z.string().min(1).describe('Phone number ID of the business number (Meta app dashboard)'),
        accessToken: z.string().min(1).describe('System-user or temporary access token (use ${WA_TOKEN})'),
        appSecret: z
          .string()
          .min(1)
          .describe('App secret: every webhook POST is verified against X-Hub-Signature-256 (use ${WA_APP_SECRET})'),
        verifyToken: z
          .string()
          .min(1)
          .describe('Token you chose when subscribing the webhook; answers the hub.challenge GET'),
        graphApiBase: z
          .url()
          .default('https://graph.facebook.com/v21.0')
          .describe('Graph API base URL including the version: the real Graph API, a proxy, or a test fake'),
      })
      .optional()
      .describe('Cloud API settings (mode: cloud)'),
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
      .describe('Backoff while WhatsApp is unreachable (web mode)'),
  })
  .superRefine((c, issue) => {
    if (c.mode === 'cloud' && !c.cloud) {
      issue.addIssue({
        code: 'custom',
        path: ['cloud'],
        message: 'mode: cloud needs cloud.phoneNumberId, accessToken, appSecret and verifyToken',
      });
    }
  });

export type WhatsappConfig = z.infer<typeof whatsappConfigSchema>;
