/**
 * The channels.yml schema, composed from each channel's own schema. Loaded from the path in
 * `CHANNEL_CONFIG` (or `channels:` in hearth.yml), with `${ENV}` interpolation.
 */
import { z } from 'zod';
import { discordConfigSchema } from './discord/config.js';
import { slackConfigSchema } from './slack/config.js';
import { telegramConfigSchema } from './telegram/config.js';
import { whatsappConfigSchema } from './whatsapp/config.js';

export const channelsFileSchema = z.strictObject({
  telegram: telegramConfigSchema.optional(),
  discord: discordConfigSchema.optional(),
  slack: slackConfigSchema.optional(),
  whatsapp: whatsappConfigSchema.optional(),
});

export type ChannelsFile = z.infer<typeof channelsFileSchema>;
