/**
 * Hearth's own surfaces (web chat, voice calls, the OpenAI-compatible API) are one-to-one: every
 * message is a private text addressed to the assistant, so the group rule never applies. One
 * builder keeps that rule, and the shape of such a `Message`, in one place.
 */
import type { Message, Sender } from './message.js';

/** What differs between two direct messages. */
export interface DirectText {
  /** Channel name; the message id becomes `<channel>:<id>`. */
  channel: string;
  id: string;
  chatId: string;
  sender: Sender;
  text: string;
}

/** A text message of a one-to-one conversation, stamped now: not a group, always addressed to the assistant, no attachments. */
export function directTextMessage(m: DirectText): Message {
  return {
    id: `${m.channel}:${m.id}`,
    kind: 'message',
    channel: m.channel,
    chatId: m.chatId,
    sender: m.sender,
    text: m.text,
    attachments: [],
    isGroup: false,
    mentioned: true,
    timestamp: Date.now(),
  };
}
