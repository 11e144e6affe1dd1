/** The Slack channel's definition: config schema, capabilities, implementation. */
import { defineChannel } from '../definition.js';
import { slackConfigSchema } from './config.js';

export const slackDefinition = defineChannel({
  name: 'slack',
  configSchema: slackConfigSchema,
  capabilities: {
    // Streaming by chat.update.
    editsInPlace: true,
    buttons: true,
    threads: true,
    groups: true,
    voiceNotes: false,
    // A section block's text holds at most 3000 characters.
    maxMessageLength: 3000,
    markup: 'slack-mrkdwn',
  },
  load: () => import('./index.js'),
});
