/** The WhatsApp channel's definition (Cloud API and WhatsApp Web): config schema, capabilities, implementation. */
import { defineChannel } from '../definition.js';
import { whatsappConfigSchema } from './config.js';

export const whatsappDefinition = defineChannel({
  name: 'whatsapp',
  configSchema: whatsappConfigSchema,
  capabilities: {
    editsInPlace: false,
    // Interactive reply buttons on the Cloud API, a numbered list on WhatsApp Web.
    buttons: true,
    threads: false,
    groups: true,
    voiceNotes: true,
    maxMessageLength: 4096,
    markup: 'whatsapp',
  },
  load: () => import('./index.js'),
});
