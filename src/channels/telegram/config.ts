// Placeholder until the telegram adapter lands: the schema of its channels.yml section.
import { z } from 'zod';
import { channelBase } from '../common-config.js';

export const telegramConfigSchema = z.strictObject({ ...channelBase });
export type TelegramConfig = z.infer<typeof telegramConfigSchema>;
