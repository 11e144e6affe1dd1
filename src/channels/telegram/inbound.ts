/**
 * Telegram Bot API payload → normalized `Message`. Pure: no I/O, so it is tested without a
 * server. Media are described here (which file, what kind, where to store it); the channel
 * downloads them afterwards and fills in `blobKey`.
 */
import type { CallbackQuery, Message as TgMessage, MessageEntity } from 'grammy/types';
import type { Attachment, Message } from '../../core/message.js';

/** Who the bot is: needed to tell whether a group message mentions or replies to it. */
export interface BotIdentity {
  id: number;
  username: string;
}

/** A file to fetch with getFile and store under `blobKey`; `attachment` is the object inside the message. */
export interface MediaToFetch {
  fileId: string;
  blobKey: string;
  attachment: Attachment;
}

export type InboundResult = { ok: true; message: Message; media: MediaToFetch[] } | { ok: false; reason: string };

const groupChatTypes = new Set(['group', 'supergroup', 'channel']);

function extensionOf(mimeType: string | undefined, fileName: string | undefined, fallback: string): string {
  const fromName = fileName && /\.([A-Za-z0-9]{1,8})$/.exec(fileName)?.[1];
  if (fromName) return fromName.toLowerCase();
  const known: Record<string, string> = {
    'image/jpeg': 'jpg',
    'image/png': 'png',
    'image/webp': 'webp',
    'image/gif': 'gif',
    'audio/ogg': 'ogg',
    'audio/mpeg': 'mp3',
    'video/mp4': 'mp4',
    'video/webm': 'webm',
    'application/pdf': 'pdf',
    'application/x-tgsticker': 'tgs',
  };
  return (mimeType && known[mimeType]) || fallback;
}

interface FileFacts {
  fileId: string;
  kind: Attachment['kind'];
  mimeType?: string;
  fileName?: string;
  size?: number;
  description?: string;
  ext: string;
}

/** The one file a message carries, if any (Telegram allows at most one per message). */
function fileOf(m: TgMessage): FileFacts | undefined {
  if (m.photo && m.photo.length > 0) {
    const largest = m.photo[m.photo.length - 1];
    return { fileId: largest.file_id, kind: 'image', mimeType: 'image/jpeg', size: largest.file_size, ext: 'jpg' };
  }
  if (m.sticker) {
    const s = m.sticker;
    const mimeType = s.is_animated ? 'application/x-tgsticker' : s.is_video ? 'video/webm' : 'image/webp';
    const description = `Sticker${s.emoji ? ` ${s.emoji}` : ''}${s.set_name ? ` from set ${s.set_name}` : ''}`;
    return {
      fileId: s.file_id,
      kind: 'sticker',
      mimeType,
      size: s.file_size,
      description,
      ext: extensionOf(mimeType, undefined, 'webp'),
    };
  }
  if (m.voice) {
    const mimeType = m.voice.mime_type ?? 'audio/ogg';
    return {
      fileId: m.voice.file_id,
      kind: 'voice',
      mimeType,
      size: m.voice.file_size,
      ext: extensionOf(mimeType, undefined, 'ogg'),
    };
  }
  if (m.audio) {
    const a = m.audio;
    return {
      fileId: a.file_id,
      kind: 'audio',
      mimeType: a.mime_type,
      fileName: a.file_name,
      size: a.file_size,
      ext: extensionOf(a.mime_type, a.file_name, 'mp3'),
    };
  }
  if (m.video || m.video_note || m.animation) {
    const v = m.video ?? m.animation ?? m.video_note!;
    const mimeType = 'mime_type' in v ? v.mime_type : 'video/mp4';
    const fileName = 'file_name' in v ? v.file_name : undefined;
    return {
      fileId: v.file_id,
      kind: 'video',
      mimeType,
      fileName,
      size: v.file_size,
      ext: extensionOf(mimeType, fileName, 'mp4'),
    };
  }
  if (m.document) {
    const d = m.document;
    return {
      fileId: d.file_id,
      kind: 'document',
      mimeType: d.mime_type,
      fileName: d.file_name,
      size: d.file_size,
      ext: extensionOf(d.mime_type, d.file_name, 'bin'),
    };
  }
  return undefined;
}

/** Whether an entity of `text` addresses the bot (`@username`, a text mention, or `/cmd@username`). */
function entityMentionsBot(entity: MessageEntity, text: string, bot: BotIdentity): boolean {
  if (entity.type === 'text_mention') return entity.user.id === bot.id;
  const slice = text.slice(entity.offset, entity.offset + entity.length).toLowerCase();
  const handle = `@${bot.username.toLowerCase()}`;
  if (entity.type === 'mention') return slice === handle;
  if (entity.type === 'bot_command') return slice.endsWith(handle);
  return false;
}

/** True when the message mentions the bot or replies to one of its messages. */
export function mentionsBot(m: TgMessage, bot: BotIdentity): boolean {
  if (m.reply_to_message?.from?.id === bot.id) return true;
  const text = m.text ?? m.caption ?? '';
  const entities = m.entities ?? m.caption_entities ?? [];
  return entities.some((e) => entityMentionsBot(e, text, bot));
}

/**
 * Converts one Telegram `Message` (from `message`, `edited_message` or `channel_post`) into a
 * normalized `Message`. Returns `{ ok: false, reason }` for payloads that cannot be used.
 */
export function toMessage(
  m: TgMessage,
  opts: { channel: string; bot: BotIdentity; kind: 'message' | 'edit' },
): InboundResult {
  if (!m || typeof m !== 'object') return { ok: false, reason: 'message is not an object' };
  if (typeof m.message_id !== 'number') return { ok: false, reason: 'message_id missing' };
  if (!m.chat || (typeof m.chat.id !== 'number' && typeof m.chat.id !== 'string'))
    return { ok: false, reason: 'chat.id missing' };
  const from =
    m.from ??
    (m.sender_chat
      ? { id: m.sender_chat.id, is_bot: false, first_name: m.sender_chat.title ?? '', username: m.sender_chat.username }
      : undefined);
  if (!from || typeof from.id !== 'number') return { ok: false, reason: 'sender missing' };

  const chatId = String(m.chat.id);
  const file = fileOf(m);
  const text = m.text ?? m.caption ?? '';
  if (!file && text === '') return { ok: false, reason: 'no text or supported media (service message)' };

  const baseId = `${opts.channel}:${chatId}:${m.message_id}`;
  // An edit is a new event of the same message: give it its own id so de-duplication keeps it.
  const id = opts.kind === 'edit' ? `${baseId}:edit:${m.edit_date ?? m.date}` : baseId;
  const attachments: Attachment[] = [];
  const media: MediaToFetch[] = [];
  if (file) {
    const attachment: Attachment = {
      kind: file.kind,
      mimeType: file.mimeType,
      fileName: file.fileName,
      size: file.size,
      description: file.description,
    };
    for (const key of Object.keys(attachment) as (keyof Attachment)[])
      if (attachment[key] === undefined) delete attachment[key];
    attachments.push(attachment);
    media.push({
      fileId: file.fileId,
      blobKey: `media/${opts.channel}/${chatId}-${m.message_id}.${file.ext}`,
      attachment,
    });
  }
  const name = [from.first_name, 'last_name' in from ? from.last_name : undefined].filter(Boolean).join(' ');
  const message: Message = {
    id,
    kind: opts.kind,
    channel: opts.channel,
    chatId,
    ...(m.is_topic_message && m.message_thread_id !== undefined ? { threadId: String(m.message_thread_id) } : {}),
    sender: {
      id: String(from.id),
      ...(name ? { name } : {}),
      ...(from.username ? { username: from.username } : {}),
      isBot: from.is_bot,
    },
    text,
    attachments,
    ...(m.reply_to_message ? { replyTo: String(m.reply_to_message.message_id) } : {}),
    isGroup: groupChatTypes.has(m.chat.type),
    mentioned: mentionsBot(m, opts.bot),
    timestamp: (opts.kind === 'edit' && m.edit_date ? m.edit_date : m.date) * 1000,
  };
  return { ok: true, message, media };
}

/**
 * Converts a button press (a `callback_query` update) into an `action` message of the chat the
 * pressed message is in: `value` is the button's value, `text` its label. A query carries no date
 * (the press is happening now) and, from inline mode, no message: that one cannot be used.
 */
export function pressToMessage(
  q: CallbackQuery,
  opts: { channel: string; value: string; label?: string; now?: number },
): { ok: true; message: Message } | { ok: false; reason: string } {
  if (!q || typeof q.id !== 'string') return { ok: false, reason: 'callback query id missing' };
  if (!q.from || typeof q.from.id !== 'number') return { ok: false, reason: 'callback query sender missing' };
  const m = q.message;
  if (!m || !m.chat || typeof m.message_id !== 'number')
    return { ok: false, reason: 'callback query without a message (inline mode)' };
  const chatId = String(m.chat.id);
  const name = [q.from.first_name, q.from.last_name].filter(Boolean).join(' ');
  const topic = 'is_topic_message' in m && m.is_topic_message && m.message_thread_id !== undefined;
  return {
    ok: true,
    message: {
      id: `${opts.channel}:${chatId}:${m.message_id}:press:${q.id}`,
      kind: 'action',
      channel: opts.channel,
      chatId,
      ...(topic ? { threadId: String(m.message_thread_id) } : {}),
      sender: {
        id: String(q.from.id),
        ...(name ? { name } : {}),
        ...(q.from.username ? { username: q.from.username } : {}),
        isBot: q.from.is_bot,
      },
      text: opts.label ?? opts.value,
      attachments: [],
      replyTo: String(m.message_id),
      isGroup: groupChatTypes.has(m.chat.type),
      // Pressing the bot's own button addresses the bot.
      mentioned: true,
      value: opts.value,
      timestamp: opts.now ?? Date.now(),
    },
  };
}
