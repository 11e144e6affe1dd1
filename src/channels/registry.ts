/**
 * Channel adapters by name, loaded on demand so an installation pays only for the channels it
 * enables. Each module exports `createChannel(config, deps)`; its config schema lives beside it in
 * `config.ts` and is composed into the channels.yml schema in `src/channels/config.ts`.
 */
import type { Channel } from '../core/channel.js';
import type { ChannelDeps } from './deps.js';

export type ChannelFactory = (config: never, deps: ChannelDeps) => Channel | Promise<Channel>;

export const channelLoaders: Record<string, () => Promise<{ createChannel: ChannelFactory }>> = {
  telegram: () => import('./telegram/index.js') as Promise<{ createChannel: ChannelFactory }>,
  discord: () => import('./discord/index.js') as Promise<{ createChannel: ChannelFactory }>,
  slack: () => import('./slack/index.js') as Promise<{ createChannel: ChannelFactory }>,
  whatsapp: () => import('./whatsapp/index.js') as Promise<{ createChannel: ChannelFactory }>,
};
