/**
 * The one list of chat-platform channels. The channels.yml schema (config.ts), the loader registry
 * (registry.ts) and the docs all derive from it: adding a channel is adding its definition here.
 */
import { discordDefinition } from './discord/definition.js';
import { slackDefinition } from './slack/definition.js';
import { telegramDefinition } from './telegram/definition.js';
import { whatsappDefinition } from './whatsapp/definition.js';

/** Keyed by channels.yml section; the order is the order of the config reference. */
export const channelDefinitions = {
  telegram: telegramDefinition,
  discord: discordDefinition,
  slack: slackDefinition,
  whatsapp: whatsappDefinition,
} as const;

export type ChannelName = keyof typeof channelDefinitions;

/** The definition of a configured channel name, if it is one. */
export function channelDefinition(name: string): (typeof channelDefinitions)[ChannelName] | undefined {
  return Object.hasOwn(channelDefinitions, name) ? channelDefinitions[name as ChannelName] : undefined;
}
