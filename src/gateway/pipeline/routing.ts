/**
 * Picks the agent for a message: the first route whose (channel, chat, user) all match, else the
 * channel's own agent, else `default`.
 */
import type { HearthConfig } from '../../core/config.js';
import type { Message } from '../../core/message.js';

export function routeAgent(
  routes: HearthConfig['routes'],
  message: Pick<Message, 'channel' | 'chatId' | 'sender'>,
  channelAgent?: string,
): string {
  for (const r of routes) {
    if (r.channel !== undefined && r.channel !== message.channel) continue;
    if (r.chat !== undefined && r.chat !== message.chatId) continue;
    if (r.user !== undefined && r.user !== message.sender.id) continue;
    return r.agent;
  }
  return channelAgent ?? 'default';
}
