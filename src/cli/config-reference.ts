import { channelsFileSchema } from '../channels/config.js';
import { referenceMarkdown } from '../core/config-reference.js';
import { configSchema } from '../core/config.js';

/** The README's configuration reference: hearth.yml, then channels.yml. */
export function renderReference(): string {
  return [
    '### hearth.yml',
    '',
    referenceMarkdown(configSchema),
    '',
    '### channels.yml',
    '',
    referenceMarkdown(channelsFileSchema),
  ].join('\n');
}
