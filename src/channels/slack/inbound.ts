/**
 * Slack payloads → `Message`. Pure: no I/O. Field names follow the Events API (`message`,
 * `app_mention`) and interactivity (`block_actions`) payloads as Slack documents them.
 */
import type { Attachment, AttachmentKind, Message } from '../../core/message.js';

/** The bot's own identity, from `auth.test`. */
export interface SlackSelf {
  userId: string;
  botId?: string;
}

/** A file object as it appears in `event.files` (only the fields we use). */
export interface SlackFile {
  id: string;
  name?: string;
  title?: string;
  mimetype?: string;
  filetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
  subtype?: string;
}

/** The inner `event` of an `event_callback` for `message` and `app_mention`. */
export interface SlackMessageEvent {
  type: 'message' | 'app_mention';
  subtype?: string;
  channel: string;
  channel_type?: 'im' | 'mpim' | 'channel' | 'group' | 'app_home';
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  event_ts?: string;
  thread_ts?: string;
  parent_user_id?: string;
  files?: SlackFile[];
  message?: SlackMessageEvent & { edited?: { user: string; ts: string } };
}

/** A `block_actions` interactivity payload (button click). */
export interface SlackBlockActions {
  type: 'block_actions';
  user: { id: string; username?: string; name?: string };
  channel?: { id: string; name?: string };
  container?: { type: string; channel_id?: string; message_ts?: string; thread_ts?: string; is_ephemeral?: boolean };
  /** The clicked message in its current state, blocks included. */
  message?: {
    ts: string;
    thread_ts?: string;
    text?: string;
    blocks?: Array<{ type: string; block_id?: string; [key: string]: unknown }>;
  };
  actions: Array<{
    action_id: string;
    block_id?: string;
    value?: string;
    text?: { text: string };
    action_ts?: string;
    type: string;
  }>;
}

/** Why a payload was not turned into a message (logged, then skipped). */
export type Skip = { skip: string };

const ignoredSubtypes = new Set([
  'bot_message',
  'message_deleted',
  'channel_join',
  'channel_leave',
  'channel_topic',
  'channel_purpose',
  'channel_name',
  'group_join',
  'group_leave',
  'thread_broadcast_removed',
  'message_replied',
  'ekm_access_denied',
]);

/** `ts` "1712345678.000200" → milliseconds. */
export function tsToMillis(ts: string): number {
  const n = Number(ts);
  return Number.isFinite(n) ? Math.round(n * 1000) : Date.now();
}

/** Direct messages (`D…`) are 1:1; channels (`C…`), private channels and group DMs (`G…`) are groups. */
export function isDirectChannel(channel: string, channelType?: string): boolean {
  if (channelType) return channelType === 'im' || channelType === 'app_home';
  return channel.startsWith('D');
}

/**
 * Slack markup in user text → plain text the model reads: the bot's own mention removed, other
 * mentions as `@U…`, links as their label (URL), entities unescaped.
 */
export function slackTextToPlain(text: string, self: SlackSelf): string {
  return text
    .replace(new RegExp(`<@${self.userId}(\\|[^>]*)?>`, 'g'), '')
    .replace(/<@([A-Z0-9]+)(?:\|([^>]+))?>/g, (_m, id: string, name?: string) => `@${name ?? id}`)
    .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `#${name || id}`)
    .replace(/<!(here|channel|everyone)[^>]*>/g, '@$1')
    .replace(/<((?:https?|mailto):[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<((?:https?|mailto):[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/** Attachment kind from a Slack file's MIME type (and audio clips recorded in Slack as voice). */
export function fileKind(file: SlackFile): AttachmentKind {
  const mime = file.mimetype ?? '';
  if (file.subtype === 'slack_audio') return 'voice';
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return 'document';
}

function toAttachment(file: SlackFile): Attachment {
  return {
    kind: fileKind(file),
    url: file.url_private_download ?? file.url_private,
    mimeType: file.mimetype,
    fileName: file.name ?? file.title,
    size: file.size,
  };
}

/**
 * Converts a `message` or `app_mention` event. Channel messages are threaded: `threadId` is the
 * thread's root `ts` (the message's own `ts` for a top-level message), so the answer goes in a
 * thread under it. Both event types for one mention yield the same `id`, so it is answered once.
 */
export function messageFromEvent(channel: string, event: SlackMessageEvent, self: SlackSelf): Message | Skip {
  if (!event || typeof event !== 'object') return { skip: 'event is not an object' };
  if (typeof event.channel !== 'string' || typeof event.ts !== 'string') return { skip: 'event without channel or ts' };
  let kind: Message['kind'] = 'message';
  let body: SlackMessageEvent = event;
  let id = `${channel}:${event.channel}:${event.ts}`;
  if (event.subtype === 'message_changed') {
    if (!event.message || typeof event.message.ts !== 'string') return { skip: 'message_changed without message' };
    body = { ...event.message, channel: event.channel, channel_type: event.channel_type, type: 'message' };
    kind = 'edit';
    id = `${channel}:${event.channel}:${body.ts}:edit:${event.message.edited?.ts ?? event.ts}`;
  } else if (event.subtype && event.subtype !== 'file_share' && event.subtype !== 'thread_broadcast') {
    return {
      skip: ignoredSubtypes.has(event.subtype)
        ? `ignored subtype ${event.subtype}`
        : `unsupported subtype ${event.subtype}`,
    };
  }
  if (body.bot_id || body.subtype === 'bot_message') return { skip: 'message from a bot' };
  if (!body.user) return { skip: 'message without user' };
  if (body.user === self.userId) return { skip: 'own message' };
  const rawText = typeof body.text === 'string' ? body.text : '';
  const direct = isDirectChannel(event.channel, event.channel_type);
  const mentioned =
    event.type === 'app_mention' ||
    rawText.includes(`<@${self.userId}>`) ||
    rawText.includes(`<@${self.userId}|`) ||
    body.parent_user_id === self.userId;
  const threadId = direct ? body.thread_ts : (body.thread_ts ?? body.ts);
  return {
    id,
    kind,
    channel,
    chatId: event.channel,
    threadId,
    sender: { id: body.user },
    text: slackTextToPlain(rawText, self),
    attachments: Array.isArray(body.files)
      ? body.files.filter((f) => f && typeof f.id === 'string').map(toAttachment)
      : [],
    replyTo: body.thread_ts && body.thread_ts !== body.ts ? body.thread_ts : undefined,
    isGroup: !direct,
    mentioned: direct || mentioned,
    timestamp: tsToMillis(body.ts),
  };
}

/**
 * Converts a button click (`block_actions`) into a `kind: 'action'` message in the same
 * conversation as the message that carried the buttons.
 */
export function messageFromAction(channel: string, payload: SlackBlockActions): Message | Skip {
  const action = payload?.actions?.[0];
  const chatId = payload?.channel?.id ?? payload?.container?.channel_id;
  const messageTs = payload?.message?.ts ?? payload?.container?.message_ts;
  if (!action || !chatId || !messageTs || !payload.user?.id)
    return { skip: 'block_actions without action, channel, message or user' };
  const direct = isDirectChannel(chatId);
  const rootTs = payload.message?.thread_ts ?? payload.container?.thread_ts;
  return {
    id: `${channel}:${chatId}:${messageTs}:action:${action.action_ts ?? action.action_id}`,
    kind: 'action',
    channel,
    chatId,
    threadId: direct ? rootTs : (rootTs ?? messageTs),
    sender: { id: payload.user.id, username: payload.user.username, name: payload.user.name },
    text: action.text?.text ?? action.value ?? action.action_id,
    attachments: [],
    replyTo: messageTs,
    isGroup: !direct,
    mentioned: true,
    value: action.value ?? action.action_id,
    timestamp: action.action_ts ? tsToMillis(action.action_ts) : Date.now(),
  };
}
