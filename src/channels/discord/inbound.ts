/**
 * Discord message → normalized `Message`. Pure: it takes the plain facts of a message (what
 * `factsOf` in events.ts reads from a discord.js `Message`), so it is tested without a Gateway.
 */
import type { Attachment, AttachmentKind, Message } from '../../core/message.js';

/** The facts of one Discord message that Hearth uses. */
export interface DiscordInbound {
  id: string;
  channelId: string;
  /** Absent in DMs. */
  guildId?: string | null;
  /** Set when the message was posted in a thread: the thread's parent channel. */
  threadParentId?: string | null;
  author: { id: string; username: string; globalName?: string | null; bot: boolean };
  content: string;
  createdTimestamp: number;
  editedTimestamp?: number | null;
  attachments: Array<{ id: string; name: string; url: string; contentType?: string | null; size: number }>;
  /** Users mentioned with <@id>. */
  mentionedUserIds: string[];
  /** Author of the replied-to message, when this is a reply. */
  repliedUserId?: string | null;
  referenceMessageId?: string | null;
}

export interface BotIdentity {
  id: string;
  username: string;
}

export interface MediaToFetch {
  url: string;
  blobKey: string;
  attachment: Attachment;
}

export type InboundResult = { ok: true; message: Message; media: MediaToFetch[] } | { ok: false; reason: string };

function kindOf(contentType: string | null | undefined, name: string): AttachmentKind {
  const type = contentType ?? '';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  // Discord voice messages are ogg/opus files named voice-message.ogg.
  if (type.startsWith('audio/')) return /^voice-message/.test(name) ? 'voice' : 'audio';
  return 'document';
}

function extensionOf(name: string): string {
  return /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1]?.toLowerCase() ?? 'bin';
}

/** Converts one Discord message; `{ ok: false, reason }` for payloads that cannot be used. */
export function toMessage(
  m: DiscordInbound,
  opts: { channel: string; bot: BotIdentity; kind: 'message' | 'edit' },
): InboundResult {
  if (!m?.id || !m.channelId) return { ok: false, reason: 'message id or channel id missing' };
  if (!m.author?.id) return { ok: false, reason: 'author missing' };
  const attachments: Attachment[] = [];
  const media: MediaToFetch[] = [];
  for (const a of m.attachments ?? []) {
    if (!a?.url) continue;
    const attachment: Attachment = {
      kind: kindOf(a.contentType, a.name),
      fileName: a.name,
      size: a.size,
      ...(a.contentType ? { mimeType: a.contentType } : {}),
    };
    attachments.push(attachment);
    media.push({ url: a.url, blobKey: `media/${opts.channel}/${m.id}-${a.id}.${extensionOf(a.name)}`, attachment });
  }
  // <@id> and <@!id> of the bot read better for a model as @name.
  const text = (m.content ?? '').replace(new RegExp(`<@!?${opts.bot.id}>`, 'g'), `@${opts.bot.username}`);
  if (text.trim() === '' && attachments.length === 0)
    return { ok: false, reason: 'no content or attachments (is the Message Content intent enabled?)' };
  const inThread = Boolean(m.threadParentId);
  const message: Message = {
    id:
      opts.kind === 'edit'
        ? `${opts.channel}:${m.id}:edit:${m.editedTimestamp ?? m.createdTimestamp}`
        : `${opts.channel}:${m.id}`,
    kind: opts.kind,
    channel: opts.channel,
    chatId: inThread ? m.threadParentId! : m.channelId,
    ...(inThread ? { threadId: m.channelId } : {}),
    sender: {
      id: m.author.id,
      username: m.author.username,
      ...(m.author.globalName ? { name: m.author.globalName } : {}),
      isBot: m.author.bot,
    },
    text,
    attachments,
    ...(m.referenceMessageId ? { replyTo: m.referenceMessageId } : {}),
    isGroup: Boolean(m.guildId),
    mentioned: m.mentionedUserIds.includes(opts.bot.id) || m.repliedUserId === opts.bot.id,
    timestamp: opts.kind === 'edit' && m.editedTimestamp ? m.editedTimestamp : m.createdTimestamp,
  };
  return { ok: true, message, media };
}

/** A reaction added to a message, as a `reaction` event of the same chat. */
export function reactionToMessage(
  r: {
    messageId: string;
    channelId: string;
    guildId?: string | null;
    threadParentId?: string | null;
    emoji: string;
    user: { id: string; username?: string | null; bot?: boolean };
    at: number;
  },
  channel: string,
): Message {
  const inThread = Boolean(r.threadParentId);
  return {
    id: `${channel}:${r.messageId}:reaction:${r.user.id}:${r.emoji}`,
    kind: 'reaction',
    channel,
    chatId: inThread ? r.threadParentId! : r.channelId,
    ...(inThread ? { threadId: r.channelId } : {}),
    sender: { id: r.user.id, ...(r.user.username ? { username: r.user.username } : {}), isBot: Boolean(r.user.bot) },
    text: '',
    attachments: [],
    replyTo: r.messageId,
    value: r.emoji,
    isGroup: Boolean(r.guildId),
    mentioned: false,
    timestamp: r.at,
  };
}

/** The facts of a button press (a component interaction) that Hearth uses. */
export interface DiscordPress {
  interactionId: string;
  /** The message the button sits under. */
  messageId: string;
  channelId: string;
  guildId?: string | null;
  threadParentId?: string | null;
  user: { id: string; username: string; globalName?: string | null; bot?: boolean };
  value: string;
  label?: string;
  at: number;
}

/** A button press, as an `action` message of the chat the pressed message is in. */
export function pressToMessage(p: DiscordPress, channel: string): Message {
  const inThread = Boolean(p.threadParentId);
  return {
    id: `${channel}:${p.messageId}:press:${p.interactionId}`,
    kind: 'action',
    channel,
    chatId: inThread ? p.threadParentId! : p.channelId,
    ...(inThread ? { threadId: p.channelId } : {}),
    sender: {
      id: p.user.id,
      username: p.user.username,
      ...(p.user.globalName ? { name: p.user.globalName } : {}),
      isBot: Boolean(p.user.bot),
    },
    text: p.label ?? p.value,
    attachments: [],
    replyTo: p.messageId,
    value: p.value,
    isGroup: Boolean(p.guildId),
    // Pressing the bot's own button addresses the bot.
    mentioned: true,
    timestamp: p.at,
  };
}
