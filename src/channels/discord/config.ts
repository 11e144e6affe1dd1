// Placeholder until the discord adapter lands: the schema of its channels.yml section.
import { z } from 'zod';
import { channelBase } from '../common-config.js';

export const discordConfigSchema = z.strictObject({ ...channelBase });
export type DiscordConfig = z.infer<typeof discordConfigSchema>;
