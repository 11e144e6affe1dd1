// Placeholder until the slack adapter lands: the schema of its channels.yml section.
import { z } from 'zod';
import { channelBase } from '../common-config.js';

export const slackConfigSchema = z.strictObject({ ...channelBase });
export type SlackConfig = z.infer<typeof slackConfigSchema>;
