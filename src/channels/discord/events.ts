/** Reads the facts `inbound.ts` needs from discord.js objects (the only place that knows their shape). */
import type { Message as DjsMessage, PartialMessage } from 'discord.js';
import type { DiscordInbound } from './inbound.js';

/** The plain facts of a discord.js message. */
export function factsOf(m: DjsMessage | PartialMessage): DiscordInbound {
  const channel = m.channel;
  const inThread = channel?.isThread?.() ?? false;
  return {
    id: m.id,
    channelId: m.channelId,
    guildId: m.guildId,
    threadParentId: inThread && 'parentId' in channel ? channel.parentId : null,
    author: {
      id: m.author?.id ?? '',
      username: m.author?.username ?? '',
      globalName: m.author?.globalName ?? null,
      bot: m.author?.bot ?? false,
    },
    content: m.content ?? '',
    createdTimestamp: m.createdTimestamp,
    editedTimestamp: m.editedTimestamp,
    attachments: [...m.attachments.values()].map((a) => ({
      id: a.id,
      name: a.name,
      url: a.url,
      contentType: a.contentType,
      size: a.size,
    })),
    mentionedUserIds: [...m.mentions.users.keys()],
    repliedUserId: m.mentions.repliedUser?.id ?? null,
    referenceMessageId: m.reference?.messageId ?? null,
  };
}
