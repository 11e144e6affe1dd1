// Placeholder until the whatsapp adapter lands: the schema of its channels.yml section.
import { z } from 'zod';
import { channelBase } from '../common-config.js';

export const whatsappConfigSchema = z.strictObject({ ...channelBase });
export type WhatsappConfig = z.infer<typeof whatsappConfigSchema>;
