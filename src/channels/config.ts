/**
 * The channels.yml schema, composed from each channel's own schema (the list in definitions.ts).
 * Loaded from the path in `CHANNEL_CONFIG` (or `channels:` in hearth.yml), with `${ENV}` interpolation.
 */
import { z } from 'zod';
import { channelDefinitions } from './definitions.js';

type Sections = {
  [K in keyof typeof channelDefinitions]: z.ZodOptional<(typeof channelDefinitions)[K]['configSchema']>;
};

const sections = Object.fromEntries(
  Object.entries(channelDefinitions).map(([name, definition]) => [name, definition.configSchema.optional()]),
) as Sections;

export const channelsFileSchema = z.strictObject(sections);

export type ChannelsFile = z.infer<typeof channelsFileSchema>;
