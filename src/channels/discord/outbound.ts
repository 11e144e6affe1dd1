/**
 * Outbound: a streamed reply becomes Discord REST calls through discord.js's REST client (which
 * keeps Discord's per-route rate-limit buckets and waits out 429s). Typing while the model works,
 * one message edited in place as text arrives (throttled), split at 2000 characters when done;
 * media from the BlobStore uploaded as attachments, link-only images shown as embeds; an error is
 * sent as text and marked with a ⚠️ reaction on the user's message.
 */
import { Routes, type APIEmbed, type RawFile, type REST, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import type { Logger } from 'pino';
import type { Attachment, ReplyEvent, ReplyTarget } from '../../core/message.js';
import type { BlobStore } from '../../core/stores.js';
import { markdownToDiscord } from './markdown.js';
import { splitMessage } from '../shared/split.js';

/** Discord's limit on a message's content. */
export const DISCORD_TEXT_LIMIT = 2000;
/** Typing shows for about 10 s; renew it before it fades. */
const TYPING_RENEW_MS = 8000;
/** Model output must never ping @everyone, roles or users. */
const NO_PINGS = { parse: [] as never[], replied_user: false };

interface ReplyState {
  target: ReplyTarget;
  text: string;
  messageId?: string;
  shown?: string;
  queue: Promise<void>;
  editTimer?: NodeJS.Timeout;
  typingTimer?: NodeJS.Timeout;
  lastEditAt: number;
}

export interface RepliesDeps {
  rest: () => REST;
  blobs: () => BlobStore | undefined;
  log: Logger;
  editIntervalMs: number;
}

/** The snowflake Discord knows, from a target id that may be a full `discord:<id>` message id. */
export function platformMessageId(messageId: string): string | undefined {
  const id = messageId.split(':').find((part) => /^\d{5,}$/.test(part));
  return id;
}

/** Streams replies into Discord channels; one instance per channel. */
export class DiscordReplies {
  private readonly replies = new Map<string, ReplyState>();

  constructor(private readonly deps: RepliesDeps) {}

  /** Handles one event of one reply; never throws (failures are logged). */
  async deliver(target: ReplyTarget, event: ReplyEvent): Promise<void> {
    let state = this.replies.get(event.replyId);
    if (!state) {
      state = { target, text: '', queue: Promise.resolve(), lastEditAt: 0 };
      this.replies.set(event.replyId, state);
    }
    const reply = state;
    switch (event.type) {
      case 'start':
        this.startTyping(reply);
        return;
      case 'delta':
        reply.text += event.text;
        this.scheduleEdit(reply);
        return;
      case 'done':
        this.finish(event.replyId, reply);
        await this.enqueue(reply, () => this.sendFinal(reply, event.text || reply.text, event.attachments));
        return;
      case 'error':
        this.finish(event.replyId, reply);
        await this.enqueue(reply, async () => {
          await this.post(reply.target, { content: event.message.slice(0, DISCORD_TEXT_LIMIT) }, true);
          await this.react(reply.target, '⚠️');
        });
        return;
    }
  }

  /** Stops every timer (channel stop). */
  close(): void {
    for (const [id, state] of this.replies) this.finish(id, state);
  }

  private finish(replyId: string, state: ReplyState): void {
    clearTimeout(state.editTimer);
    clearInterval(state.typingTimer);
    this.replies.delete(replyId);
  }

  private enqueue(state: ReplyState, step: () => Promise<void>): Promise<void> {
    state.queue = state.queue.then(step).catch((err: unknown) => {
      this.deps.log.warn({ err: err instanceof Error ? err.message : String(err), chatId: state.target.chatId }, 'discord delivery failed');
    });
    return state.queue;
  }

  /** Where to post: the thread when the message came from one. */
  private channelOf(target: ReplyTarget): string {
    return target.threadId ?? target.chatId;
  }

  private startTyping(state: ReplyState): void {
    const send = (): void => {
      this.deps.rest().post(Routes.channelTyping(this.channelOf(state.target))).catch((err: unknown) => {
        this.deps.log.debug({ err: String(err) }, 'discord typing failed');
      });
    };
    send();
    state.typingTimer = setInterval(send, TYPING_RENEW_MS);
  }

  private scheduleEdit(state: ReplyState): void {
    if (state.editTimer) return;
    const wait = Math.max(0, state.lastEditAt + this.deps.editIntervalMs - Date.now());
    state.editTimer = setTimeout(() => {
      state.editTimer = undefined;
      state.lastEditAt = Date.now();
      void this.enqueue(state, async () => {
        const first = splitMessage(markdownToDiscord(state.text), DISCORD_TEXT_LIMIT)[0];
        if (first.trim() === '') return;
        await this.putFirst(state, first);
        clearInterval(state.typingTimer);
      });
    }, wait);
  }

  private async sendFinal(state: ReplyState, text: string, attachments: Attachment[]): Promise<void> {
    const pieces = text.trim() === '' ? [] : splitMessage(markdownToDiscord(text), DISCORD_TEXT_LIMIT);
    for (const [index, piece] of pieces.entries()) {
      if (index === 0) await this.putFirst(state, piece);
      else await this.post(state.target, { content: piece }, false);
    }
    if (attachments.length > 0) await this.sendAttachments(state.target, attachments, pieces.length === 0);
  }

  private async putFirst(state: ReplyState, content: string): Promise<void> {
    if (state.shown === content) return;
    if (state.messageId === undefined) state.messageId = await this.post(state.target, { content }, true);
    else await this.deps.rest().patch(Routes.channelMessage(this.channelOf(state.target), state.messageId), { body: { content, allowed_mentions: NO_PINGS } });
    state.shown = content;
  }

  /** Creates a message; returns its id. */
  private async post(target: ReplyTarget, body: RESTPostAPIChannelMessageJSONBody, asReply: boolean, files?: RawFile[]): Promise<string> {
    const replyTo = asReply ? platformMessageId(target.messageId) : undefined;
    const full: RESTPostAPIChannelMessageJSONBody = {
      ...body,
      allowed_mentions: NO_PINGS,
      ...(replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {}),
    };
    const created = (await this.deps.rest().post(Routes.channelMessages(this.channelOf(target)), { body: full, ...(files ? { files } : {}) })) as { id: string };
    return created.id;
  }

  private async react(target: ReplyTarget, emoji: string): Promise<void> {
    const messageId = platformMessageId(target.messageId);
    if (!messageId) return;
    await this.deps.rest().put(Routes.channelMessageOwnReaction(this.channelOf(target), messageId, encodeURIComponent(emoji)));
  }

  /** Uploads stored media (up to 10 files per message, Discord's limit) and embeds link-only images. */
  private async sendAttachments(target: ReplyTarget, attachments: Attachment[], asReply: boolean): Promise<void> {
    const files: RawFile[] = [];
    const embeds: APIEmbed[] = [];
    const blobs = this.deps.blobs();
    for (const attachment of attachments) {
      const bytes = attachment.blobKey && blobs ? await blobs.get(attachment.blobKey) : undefined;
      if (bytes) {
        files.push({ name: attachment.fileName ?? attachment.blobKey!.split('/').pop()!, data: bytes, ...(attachment.mimeType ? { contentType: attachment.mimeType } : {}) });
      } else if (attachment.url && attachment.kind === 'image') {
        embeds.push({ image: { url: attachment.url }, ...(attachment.description ? { description: attachment.description.slice(0, 4096) } : {}) });
      } else if (attachment.url) {
        embeds.push({ title: attachment.fileName ?? 'File', url: attachment.url, ...(attachment.description ? { description: attachment.description.slice(0, 4096) } : {}) });
      } else {
        this.deps.log.warn({ blobKey: attachment.blobKey }, 'discord: attachment has no stored bytes or URL; skipped');
      }
    }
    for (let i = 0; i < Math.max(files.length, embeds.length); i += 10) {
      const batchFiles = files.slice(i, i + 10);
      const batchEmbeds = embeds.slice(i, i + 10);
      await this.post(
        target,
        {
          ...(batchEmbeds.length ? { embeds: batchEmbeds } : {}),
          ...(batchFiles.length ? { attachments: batchFiles.map((f, index) => ({ id: index, filename: f.name })) } : {}),
        },
        asReply && i === 0,
        batchFiles.length ? batchFiles : undefined,
      );
    }
  }
}
