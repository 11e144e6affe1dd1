/**
 * Baileys `WAMessage` → `Message`. Pure: no I/O. Handles text, captions, media (image, video,
 * audio, voice note, document, sticker), replies, mentions and reactions, in DMs and groups.
 */
import {
  areJidsSameUser,
  getContentType,
  isJidGroup,
  normalizeMessageContent,
  type WAMessage,
} from '@whiskeysockets/baileys';
import type { Attachment, Message } from '../../core/message.js';

/** The linked account's own ids (phone-number JID and, with LID addressing, the LID). */
export interface WebSelf {
  id: string;
  lid?: string;
}

type ContextInfo =
  { mentionedJid?: string[] | null; participant?: string | null; stanzaId?: string | null } | null | undefined;

function isSelf(jid: string | null | undefined, self: WebSelf): boolean {
  if (!jid) return false;
  return areJidsSameUser(jid, self.id) || (!!self.lid && areJidsSameUser(jid, self.lid));
}

function seconds(ts: WAMessage['messageTimestamp']): number {
  if (ts === null || ts === undefined) return Date.now();
  const n = typeof ts === 'number' ? ts : Number(ts.toString());
  return Number.isFinite(n) ? n * 1000 : Date.now();
}

/** Converts one upserted message, or says why it is skipped. */
export function messageFromWeb(channel: string, msg: WAMessage, self: WebSelf): Message | { skip: string } {
  const jid = msg?.key?.remoteJid;
  if (!jid || !msg.key.id) return { skip: 'message without remoteJid or id' };
  if (msg.key.fromMe) return { skip: 'own message' };
  if (jid === 'status@broadcast' || jid.endsWith('@newsletter') || jid.endsWith('@broadcast'))
    return { skip: 'status or broadcast' };
  const content = normalizeMessageContent(msg.message);
  if (!content) return { skip: 'message without content' };
  const type = getContentType(content);
  if (!type) return { skip: 'message of unknown type' };
  const group = !!isJidGroup(jid);
  const senderId = group ? (msg.key.participant ?? '') : jid;
  if (!senderId) return { skip: 'group message without participant' };
  const base: Message = {
    id: `${channel}:${jid}:${msg.key.id}`,
    kind: 'message',
    channel,
    chatId: jid,
    sender: { id: senderId, name: msg.pushName ?? undefined },
    text: '',
    attachments: [],
    isGroup: group,
    mentioned: !group,
    timestamp: seconds(msg.messageTimestamp),
  };
  if (type === 'reactionMessage') {
    const r = content.reactionMessage!;
    return { ...base, kind: 'reaction', text: r.text ?? '', value: r.text ?? '', replyTo: r.key?.id ?? undefined };
  }
  let text = '';
  let attachment: Attachment | undefined;
  let context: ContextInfo;
  switch (type) {
    case 'conversation':
      text = content.conversation ?? '';
      break;
    case 'extendedTextMessage':
      text = content.extendedTextMessage?.text ?? '';
      context = content.extendedTextMessage?.contextInfo;
      break;
    case 'imageMessage': {
      const m = content.imageMessage!;
      text = m.caption ?? '';
      context = m.contextInfo;
      attachment = {
        kind: 'image',
        mimeType: m.mimetype ?? 'image/jpeg',
        size: Number(m.fileLength ?? 0) || undefined,
      };
      break;
    }
    case 'videoMessage': {
      const m = content.videoMessage!;
      text = m.caption ?? '';
      context = m.contextInfo;
      attachment = { kind: 'video', mimeType: m.mimetype ?? 'video/mp4', size: Number(m.fileLength ?? 0) || undefined };
      break;
    }
    case 'audioMessage': {
      const m = content.audioMessage!;
      context = m.contextInfo;
      attachment = {
        kind: m.ptt ? 'voice' : 'audio',
        mimeType: m.mimetype?.split(';')[0].trim() ?? 'audio/ogg',
        size: Number(m.fileLength ?? 0) || undefined,
      };
      break;
    }
    case 'documentMessage':
    case 'documentWithCaptionMessage': {
      const m = content.documentMessage ?? content.documentWithCaptionMessage?.message?.documentMessage;
      if (!m) return { skip: 'document without body' };
      text = m.caption ?? '';
      context = m.contextInfo;
      attachment = {
        kind: 'document',
        mimeType: m.mimetype ?? 'application/octet-stream',
        fileName: m.fileName ?? undefined,
        size: Number(m.fileLength ?? 0) || undefined,
      };
      break;
    }
    case 'stickerMessage': {
      const m = content.stickerMessage!;
      context = m.contextInfo;
      attachment = { kind: 'sticker', mimeType: m.mimetype ?? 'image/webp' };
      break;
    }
    default:
      return { skip: `unsupported message type ${type}` };
  }
  const mentioned = (context?.mentionedJid ?? []).some((j) => isSelf(j, self)) || isSelf(context?.participant, self);
  return {
    ...base,
    text,
    attachments: attachment ? [attachment] : [],
    replyTo: context?.stanzaId ?? undefined,
    mentioned: base.mentioned || mentioned,
  };
}
