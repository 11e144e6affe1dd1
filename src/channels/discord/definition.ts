/** The Discord channel's definition: config schema, capabilities, implementation. */
import { defineChannel } from '../definition.js';
import { discordConfigSchema } from './config.js';

export const discordDefinition = defineChannel({
  name: 'discord',
  configSchema: discordConfigSchema,
  capabilities: {
    editsInPlace: true,
    buttons: true,
    threads: true,
    groups: true,
    voiceNotes: false,
    maxMessageLength: 2000,
    markup: 'discord-markdown',
  },
  load: () => import('./index.js'),
});
