/**
 * The `Channel` seam: a chat platform adapter. It turns platform payloads into `Message`s,
 * hands them to `ChannelContext.receive`, and turns `ReplyEvent`s back into platform calls.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Message, ReplyEvent, ReplyTarget } from './message.js';
import type { BlobStore, SessionStore } from './stores.js';

export type ChannelState = 'stopped' | 'connecting' | 'ready' | 'backing-off' | 'failed';

export interface ChannelStatus {
  state: ChannelState;
  /** Why it is backing off or failed. */
  reason?: string;
  since: number;
}

/**
 * What became of a button press that the gateway answered itself (an approval's Approve/Deny) rather
 * than passing it on as a turn. The channel acknowledges the press the platform's way with `notice`
 * (Telegram's callback answer, a Discord interaction response) and, when `settled`, replaces the
 * pressed message's buttons by that line, so the outcome shows and the buttons cannot be pressed again.
 */
export interface ActionReceipt {
  /** A short line for the person who pressed: what their press did, or why it was refused. */
  notice: string;
  /** The question is settled: the buttons go and this line is added to the message. Absent: the buttons stay. */
  settled?: string;
}

/** What the gateway gives a channel when it starts. */
export interface ChannelContext {
  /**
   * Hands an inbound message to the pipeline (access policy, routing, engine). Resolves to a receipt
   * when a button press (`kind: 'action'`) was answered by the gateway itself; otherwise to nothing.
   */
  receive(message: Message): Promise<ActionReceipt | void>;
  blobs: BlobStore;
  sessions: SessionStore;
  log: Logger;
  /** Stops the answer to inbound message `messageId` (its `Message.id`) wherever it is being generated. */
  cancel?(messageId: string): Promise<void>;
}

/** The markup a platform shows message text in (what the channel's renderer turns Markdown into). */
export type MarkupDialect = 'markdown' | 'telegram-html' | 'discord-markdown' | 'slack-mrkdwn' | 'whatsapp' | 'plain';

/**
 * What a channel can do, declared beside its config schema (src/channels/<name>/definition.ts).
 * Shared code — the reply streamer, approval buttons — reads these instead of asking which platform
 * it is talking to.
 */
export interface ChannelCapabilities {
  /** A sent message can be edited, so a streamed answer is shown growing in one message. */
  editsInPlace: boolean;
  /** `[[button:Label|value]]` lines become buttons (or a numbered list) whose choice comes back as a turn. */
  buttons: boolean;
  /** Answers can go into a thread under the asked message. */
  threads: boolean;
  /** The assistant can sit in group chats (where the mention rule applies). */
  groups: boolean;
  /** Voice notes arrive (transcribed) and answers can be spoken back as voice notes. */
  voiceNotes: boolean;
  /** Longest text of one message, in UTF-16 code units; longer answers are split. */
  maxMessageLength: number;
  markup: MarkupDialect;
}

export interface Channel {
  /** Configured name: `webchat`, `telegram`, … */
  readonly name: string;
  /** Registers webhook routes (under `/webhooks/<name>`), if the channel has any. Called before listen. */
  routes?(app: FastifyInstance): void | Promise<void>;
  /** Connects (polling, sockets). Must not throw for a platform that is down: report it in `status()` and retry. */
  start(ctx: ChannelContext): Promise<void>;
  /** Delivers one event of a streamed reply to where the inbound message came from. */
  deliver(target: ReplyTarget, event: ReplyEvent): Promise<void>;
  status(): ChannelStatus;
  /** Disconnects and releases every socket and timer. */
  stop(): Promise<void>;
  /**
   * Drops the platform connection and opens it again (the console's Reconnect button), keeping
   * what `start` was given; replies in flight still go out. Channels without a connection of their
   * own (web chat, the HTTP API) have none.
   */
  reconnect?(): Promise<void>;
}
