/**
 * WhatsApp Cloud API webhook payloads → `Message`s. Pure: no I/O. Field names follow Meta's
 * `messages` webhook reference (object `whatsapp_business_account`, entry[].changes[].value).
 */
import type { AttachmentKind, Message } from '../../core/message.js';

/** One media object of an inbound message (`image`, `audio`, …). */
export interface CloudMedia {
  id: string;
  mime_type?: string;
  sha256?: string;
  caption?: string;
  filename?: string;
  voice?: boolean;
}

export interface CloudMessage {
  from: string;
  id: string;
  timestamp: string;
  type: string;
  context?: { from?: string; id?: string };
  text?: { body: string };
  image?: CloudMedia;
  video?: CloudMedia;
  audio?: CloudMedia;
  document?: CloudMedia;
  sticker?: CloudMedia;
  reaction?: { message_id: string; emoji?: string };
  button?: { payload?: string; text?: string };
  interactive?: {
    type: 'button_reply' | 'list_reply';
    button_reply?: { id: string; title: string };
    list_reply?: { id: string; title: string; description?: string };
  };
  location?: { latitude: number; longitude: number; name?: string; address?: string };
}

export interface CloudWebhookValue {
  messaging_product?: string;
  metadata?: { display_phone_number?: string; phone_number_id?: string };
  contacts?: Array<{ profile?: { name?: string }; wa_id: string }>;
  messages?: CloudMessage[];
  statuses?: Array<{
    id: string;
    status: string;
    recipient_id?: string;
    errors?: Array<{ code: number; title?: string }>;
  }>;
  errors?: Array<{ code: number; title?: string; message?: string }>;
}

/** A converted message plus, for media, the media id to download. */
export interface CloudInbound {
  message: Message;
  media?: CloudMedia;
}

/** The result of reading one webhook body: messages to hand on and reasons for what was skipped. */
export interface CloudWebhookRead {
  inbound: CloudInbound[];
  skipped: string[];
  /** Delivery-status updates and errors Meta reported (logged). */
  notices: string[];
}

const mediaKinds: Record<string, AttachmentKind> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  document: 'document',
  sticker: 'sticker',
};

/** Converts one `messages[]` entry (of a 1:1 conversation: the Cloud API has no groups). */
export function messageFromCloud(
  channel: string,
  m: CloudMessage,
  senderName?: string,
): CloudInbound | { skip: string } {
  if (!m || typeof m.id !== 'string' || typeof m.from !== 'string' || typeof m.type !== 'string') {
    return { skip: 'message without id, from or type' };
  }
  const base: Message = {
    id: `${channel}:${m.id}`,
    kind: 'message',
    channel,
    chatId: m.from,
    sender: { id: m.from, name: senderName },
    text: '',
    attachments: [],
    replyTo: m.context?.id,
    isGroup: false,
    mentioned: true,
    timestamp: Number.isFinite(Number(m.timestamp)) ? Number(m.timestamp) * 1000 : Date.now(),
  };
  if (m.type === 'text') {
    if (typeof m.text?.body !== 'string') return { skip: 'text message without text.body' };
    return { message: { ...base, text: m.text.body } };
  }
  const kind = mediaKinds[m.type];
  if (kind) {
    const media = m[m.type as 'image'];
    if (!media || typeof media.id !== 'string') return { skip: `${m.type} message without media id` };
    const attachmentKind: AttachmentKind = m.type === 'audio' && media.voice ? 'voice' : kind;
    return {
      message: {
        ...base,
        text: media.caption ?? '',
        attachments: [
          { kind: attachmentKind, mimeType: media.mime_type?.split(';')[0].trim(), fileName: media.filename },
        ],
      },
      media,
    };
  }
  if (m.type === 'interactive') {
    const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
    if (!reply || typeof reply.id !== 'string') return { skip: 'interactive message without a reply' };
    return { message: { ...base, kind: 'action', text: reply.title, value: reply.id } };
  }
  if (m.type === 'button') {
    if (!m.button) return { skip: 'button message without button' };
    return {
      message: { ...base, kind: 'action', text: m.button.text ?? '', value: m.button.payload ?? m.button.text ?? '' },
    };
  }
  if (m.type === 'reaction') {
    if (!m.reaction?.message_id) return { skip: 'reaction without message_id' };
    return {
      message: {
        ...base,
        kind: 'reaction',
        text: m.reaction.emoji ?? '',
        value: m.reaction.emoji ?? '',
        replyTo: m.reaction.message_id,
      },
    };
  }
  if (m.type === 'location' && m.location) {
    const { latitude, longitude, name, address } = m.location;
    return { message: { ...base, text: [name, address, `(${latitude}, ${longitude})`].filter(Boolean).join(' ') } };
  }
  return { skip: `unsupported message type ${m.type}` };
}

/** The array itself, or an empty list for anything that is not one. */
function listOf<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

/** Reads a whole webhook body. Anything malformed is reported in `skipped`, never thrown. */
export function readCloudWebhook(channel: string, body: unknown): CloudWebhookRead {
  const read: CloudWebhookRead = { inbound: [], skipped: [], notices: [] };
  const root = body as {
    object?: string;
    entry?: Array<{ changes?: Array<{ field?: string; value?: CloudWebhookValue }> }>;
  };
  if (!root || typeof root !== 'object' || root.object !== 'whatsapp_business_account' || !Array.isArray(root.entry)) {
    read.skipped.push('not a whatsapp_business_account webhook');
    return read;
  }
  for (const entry of root.entry) {
    if (entry?.changes !== undefined && !Array.isArray(entry.changes)) {
      read.skipped.push('entry.changes is not a list');
      continue;
    }
    for (const change of entry?.changes ?? []) {
      if (change?.field !== 'messages' || !change.value || typeof change.value !== 'object') {
        read.skipped.push(`change field ${String(change?.field)} ignored`);
        continue;
      }
      const value = change.value;
      // A signed body can still be wrongly shaped: a non-list is skipped, never iterated (that would throw).
      const names = new Map(
        listOf(value.contacts)
          .filter((c) => c && typeof c === 'object')
          .map((c) => [c.wa_id, c.profile?.name]),
      );
      if (value.messages !== undefined && !Array.isArray(value.messages))
        read.skipped.push('value.messages is not a list');
      for (const m of listOf(value.messages)) {
        const converted = messageFromCloud(channel, m, names.get(m?.from));
        if ('skip' in converted) read.skipped.push(converted.skip);
        else read.inbound.push(converted);
      }
      for (const s of listOf(value.statuses)) {
        if (s?.status === 'failed')
          read.notices.push(
            `message ${s.id} failed: ${listOf(s.errors)
              .map((e) => `${e?.code} ${e?.title ?? ''}`)
              .join('; ')}`,
          );
      }
      for (const e of listOf(value.errors)) if (e) read.notices.push(`error ${e.code}: ${e.title ?? e.message ?? ''}`);
    }
  }
  return read;
}
