/**
 * A channel's definition (after Botpress's `integration.definition.ts`): its name, its channels.yml
 * schema, what it can do, and how to load its implementation — declared apart from the
 * implementation, so the config schema, the docs and shared code can read it without loading the
 * platform library.
 */
import type { z } from 'zod';
import type { Channel, ChannelCapabilities } from '../core/channel.js';
import type { ChannelDeps } from './deps.js';

/**
 * Builds the channel from its validated config section. `testing` carries a channel's own test hooks (the WhatsApp Web socket factory):
 * only tests pass it, through `HearthOptions.channelTesting`, typed by each channel's factory.
 */
export type ChannelFactory<Config> = (config: Config, deps: ChannelDeps, testing?: never) => Channel | Promise<Channel>;

export interface ChannelDefinition<Schema extends z.ZodType = z.ZodType> {
  /** The key in channels.yml and the channel's name everywhere else. */
  readonly name: string;
  readonly configSchema: Schema;
  readonly capabilities: ChannelCapabilities;
  /** Imports the implementation (on demand: an installation pays only for the channels it enables). */
  load(): Promise<{ createChannel: ChannelFactory<z.infer<Schema>> }>;
}

/** Declares a channel; the identity function exists to check and infer the types. */
export function defineChannel<Schema extends z.ZodType>(
  definition: ChannelDefinition<Schema>,
): ChannelDefinition<Schema> {
  return definition;
}
