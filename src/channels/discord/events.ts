/** Reads the facts `inbound.ts` needs from discord.js objects (the only place that knows their shape). */
import type { ButtonInteraction, Message as DjsMessage, PartialMessage } from 'discord.js';
import type { DiscordInbound, DiscordPress } from './inbound.js';

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

/** The plain facts of a button press; `value` is the button's (expanded) value. */
export function pressFactsOf(i: ButtonInteraction, value: string, label: string | undefined): DiscordPress {
  const channel = i.channel;
  const inThread = channel?.isThread?.() ?? false;
  return {
    interactionId: i.id,
    messageId: i.message.id,
    channelId: i.channelId,
    guildId: i.guildId,
    threadParentId: inThread && channel && 'parentId' in channel ? channel.parentId : null,
    user: { id: i.user.id, username: i.user.username, globalName: i.user.globalName, bot: i.user.bot },
    value,
    ...(label ? { label } : {}),
    at: i.createdTimestamp,
  };
}
