/**
 * The normalized message model. Every channel converts its platform payloads into `Message`
 * and turns `ReplyEvent`s back into platform calls; nothing past the channel adapter sees a
 * platform format.
 */

/** What kind of media an attachment carries. `voice` is a voice note (as opposed to a music file). */
export type AttachmentKind = 'image' | 'audio' | 'voice' | 'video' | 'document' | 'sticker';

/** A file that came with a message or goes out with a reply. Bytes live in the `BlobStore`. */
export interface Attachment {
  kind: AttachmentKind;
  /** Key in the BlobStore once stored. */
  blobKey?: string;
  /** Where the platform serves it, when not (yet) stored. */
  url?: string;
  mimeType?: string;
  fileName?: string;
  size?: number;
  /** Extracted text or description (voice transcript, document summary) for text-only models. */
  description?: string;
}

/** What happened on the platform. Most turns are `message`; the others are events of the same chat. */
export type MessageKind = 'message' | 'edit' | 'reaction' | 'typing' | 'action';

/** One inbound message, normalized. */
export interface Message {
  /** Unique id: `<channel>:<platform message id>`. Used for de-duplication. */
  id: string;
  kind: MessageKind;
  /** Channel name as configured: `webchat`, `telegram`, `api`, … */
  channel: string;
  /** Platform chat (DM, group, channel) id. */
  chatId: string;
  /** Thread inside the chat, where the platform has threads. */
  threadId?: string;
  sender: Sender;
  text: string;
  attachments: Attachment[];
  /** Platform id of the message this one replies to. */
  replyTo?: string;
  /** Group or channel with several people, as opposed to a direct chat. */
  isGroup: boolean;
  /** The bot was mentioned or replied to (group answer rule). */
  mentioned: boolean;
  /** Emoji of a `reaction`, action id of an `action` (button click). */
  value?: string;
  /** Milliseconds since epoch, as the platform stamped it. */
  timestamp: number;
  /** Agent chosen by the gateway's routing rules; `default` when absent. */
  agent?: string;
  /** W3C `traceparent` of the span that received the message, when tracing is on (carried across processes by the bus). */
  trace?: string;
  /** Model catalog id the client asked for (the OpenAI-compatible API's `model`); the agent's model when absent. */
  model?: string;
  /**
   * Earlier turns supplied by the client (stateless APIs send the whole conversation each time).
   * When present it replaces the stored history window.
   */
  history?: HistoryTurn[];
  /**
   * Tools the client defines and runs itself (the OpenAI-compatible API's `tools`), offered beside
   * the agent's; a call to one ends the turn with the call (`done.toolCalls`) instead of running here.
   */
  clientTools?: ClientTools;
  /**
   * The client's tool round after this turn's user message: its assistant tool calls and their
   * results (`tool` turns), which the model continues from (the follow-up of a `done.toolCalls`).
   */
  continuation?: HistoryTurn[];
  /** The answer should also be spoken (a voice note whose agent answers voice notes with voice). */
  voiceReply?: boolean;
}

/** One earlier turn a client supplies: text, an assistant turn that called tools, or a tool's result. */
export type HistoryTurn =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

/**
 * Client-defined tools and the client's `tool_choice`: `none` offers none of them, `required` and a
 * named tool bind the turn's first model call (later calls, after the agent's own tools ran, are `auto`).
 */
export interface ClientTools {
  tools: ToolSpec[];
  choice?: 'auto' | 'none' | 'required' | { name: string };
}

export interface Sender {
  id: string;
  name?: string;
  username?: string;
  isBot?: boolean;
}

/** Stable conversation key: one per chat (and thread), per channel. */
export function conversationKey(m: Pick<Message, 'channel' | 'chatId' | 'threadId'>): string {
  return m.threadId ? `${m.channel}:${m.chatId}:${m.threadId}` : `${m.channel}:${m.chatId}`;
}

/** One tool offered to the model. `parameters` is a JSON Schema object. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** A tool call the model made. `arguments` is the raw JSON text the model produced. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Token usage of one model call, as the provider reported it. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the provider's prompt cache, where it reports them. */
  cachedPromptTokens?: number;
}

/**
 * The engine's answer to one inbound message, streamed as events. A channel turns them into
 * platform calls: web chat forwards deltas, chat apps edit in place or send in chunks.
 */
export type ReplyEvent =
  | { type: 'start'; replyId: string; inReplyTo: string; conversationId: string; model: string }
  | { type: 'delta'; replyId: string; inReplyTo: string; conversationId: string; text: string }
  | {
      type: 'done';
      replyId: string;
      inReplyTo: string;
      conversationId: string;
      text: string;
      attachments: Attachment[];
      model: string;
      usage: Usage;
      finishReason: string;
      /** Calls of client-defined tools (`Message.clientTools`) the client must run; set with finishReason `tool-calls`. */
      toolCalls?: ToolCall[];
    }
  | {
      type: 'error';
      replyId: string;
      inReplyTo: string;
      conversationId: string;
      code: string;
      /** Safe to show to the user. */
      message: string;
    };

/** Where a reply goes: the original message's routing facts. */
export interface ReplyTarget {
  channel: string;
  chatId: string;
  threadId?: string;
  /** The answered message's `Message.id` without the `<channel>:` prefix (see `replyTargetOf`). */
  messageId: string;
  /** Attach a spoken version to the final answer (carried with the reply, so any replica can deliver it). */
  voiceReply?: boolean;
}

/** Where replies to a message go. */
export function replyTargetOf(m: Message): ReplyTarget {
  const prefix = `${m.channel}:`;
  return {
    channel: m.channel,
    chatId: m.chatId,
    threadId: m.threadId,
    messageId: m.id.startsWith(prefix) ? m.id.slice(prefix.length) : m.id,
    ...(m.voiceReply ? { voiceReply: true } : {}),
  };
}

export type DoneEvent = Extract<ReplyEvent, { type: 'done' }>;

/** What a final answer is made of; everything but the ids and the text has a default. */
export interface DoneParts {
  replyId: string;
  inReplyTo: string;
  conversationId: string;
  text: string;
  attachments?: Attachment[];
  /** The catalog id that answered; `hearth` for Hearth's own notices (pairing codes, reminders). */
  model?: string;
  usage?: Usage;
  finishReason?: string;
  toolCalls?: ToolCall[];
}

/** The final `done` event of a reply: the one place its shape is assembled. */
export function doneEvent(parts: DoneParts): DoneEvent {
  return {
    type: 'done',
    replyId: parts.replyId,
    inReplyTo: parts.inReplyTo,
    conversationId: parts.conversationId,
    text: parts.text,
    attachments: parts.attachments ?? [],
    model: parts.model ?? 'hearth',
    usage: parts.usage ?? { promptTokens: 0, completionTokens: 0 },
    finishReason: parts.finishReason ?? 'stop',
    ...(parts.toolCalls?.length ? { toolCalls: parts.toolCalls } : {}),
  };
}

/** A reply event together with where it must be delivered. */
export interface Outbound {
  target: ReplyTarget;
  event: ReplyEvent;
  /** W3C `traceparent` of the turn that produced the event, when tracing is on. */
  trace?: string;
}
