/**
 * A channel's own routes as a plugin: the OpenAI-compatible API (`/v1/*`), the web chat socket
 * (`/ws`), the voice page and offer (`/voice*`), and chat-platform webhooks (`/webhooks/<name>`).
 * One plugin per channel, so a channel's content-type parsers and hooks (Slack's raw-body parser,
 * say) stay in its own scope.
 */
import type { Channel } from '../../core/channel.js';
import type { GatewayPlugin } from '../plugin.js';

export function channelRoutesPlugin(channel: Channel): GatewayPlugin<unknown> {
  const plugin: GatewayPlugin<unknown> = async (app) => {
    await channel.routes?.(app);
  };
  // Fastify names plugins after their function in errors and `printPlugins()`.
  Object.defineProperty(plugin, 'name', { value: `channel:${channel.name}` });
  return plugin;
}
