/** The Telegram channel's definition: config schema, capabilities, implementation. */
import { defineChannel } from '../definition.js';
import { telegramConfigSchema } from './config.js';

export const telegramDefinition = defineChannel({
  name: 'telegram',
  configSchema: telegramConfigSchema,
  capabilities: {
    editsInPlace: true,
    buttons: true,
    threads: false,
    groups: true,
    voiceNotes: true,
    maxMessageLength: 4096,
    markup: 'telegram-html',
  },
  load: () => import('./index.js'),
});
