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
import type { BlobStore, SessionStore } from '../../core/stores.js';
import type { AnswerButton } from '../shared/buttons.js';
import { actionRows } from './buttons.js';
import { markdownToDiscord } from './markdown.js';
import { MessageStreamer } from '../shared/message-streamer.js';
import { discordDefinition } from './definition.js';

/** Discord's limit on a message's content. */
/** Typing shows for about 10 s; renew it before it fades. */
const TYPING_RENEW_MS = 8000;
/** Model output must never ping @everyone, roles or users. */
const NO_PINGS = { parse: [] as never[], replied_user: false };

export interface RepliesDeps {
  rest: () => REST;
  blobs: () => BlobStore | undefined;
  /** Where button values too long for a `custom_id` are kept. */
  sessions: () => SessionStore | undefined;
  log: Logger;
  editIntervalMs: number;
}

/** The snowflake Discord knows, from a target id that may be a full `discord:<id>` message id. */
export function platformMessageId(messageId: string): string | undefined {
  const id = messageId.split(':').find((part) => /^\d{5,}$/.test(part));
  return id;
}

/** Streams replies into Discord channels (edit in place, see MessageStreamer); one instance per channel. */
export class DiscordReplies {
  private readonly streamer: MessageStreamer<string>;

  constructor(private readonly deps: RepliesDeps) {
    this.streamer = new MessageStreamer<string>(
      {
        channel: 'discord',
        log: deps.log,
        editIntervalMs: deps.editIntervalMs,
        typingRenewMs: TYPING_RENEW_MS,
        render: markdownToDiscord,
        describe: (err) => (err instanceof Error ? err.message : String(err)),
        sendTyping: (target) => this.sendTyping(target),
        post: async (target, content, asReply, buttons) =>
          this.post(target, { content, ...(await this.components(buttons)) }, asReply),
        edit: (target, messageId, content, buttons) => this.edit(target, messageId, content, buttons),
        sendAttachments: (target, attachments, asReply) => this.sendAttachments(target, attachments, asReply),
        sendError: async (target, message) => {
          await this.post(target, { content: message.slice(0, discordDefinition.capabilities.maxMessageLength) }, true);
          await this.react(target, '⚠️');
        },
      },
      discordDefinition.capabilities,
    );
  }

  /** Handles one event of one reply; never throws (failures are logged). */
  deliver(target: ReplyTarget, event: ReplyEvent): Promise<void> {
    return this.streamer.deliver(target, event);
  }

  /** Stops every timer (channel stop). */
  close(): void {
    this.streamer.close();
  }

  /** Where to post: the thread when the message came from one. */
  private channelOf(target: ReplyTarget): string {
    return target.threadId ?? target.chatId;
  }

  private sendTyping(target: ReplyTarget): void {
    this.deps
      .rest()
      .post(Routes.channelTyping(this.channelOf(target)))
      .catch((err: unknown) => {
        this.deps.log.debug({ err: String(err) }, 'discord typing failed');
      });
  }

  /** The `components` field for an answer's buttons (none without buttons). */
  private async components(
    buttons: AnswerButton[] | undefined,
  ): Promise<Pick<RESTPostAPIChannelMessageJSONBody, 'components'>> {
    return buttons?.length ? { components: await actionRows(buttons, this.deps.sessions()) } : {};
  }

  private async edit(target: ReplyTarget, messageId: string, content: string, buttons?: AnswerButton[]): Promise<void> {
    await this.deps.rest().patch(Routes.channelMessage(this.channelOf(target), messageId), {
      body: { content, allowed_mentions: NO_PINGS, ...(await this.components(buttons)) },
    });
  }

  /** Creates a message; returns its id. */
  private async post(
    target: ReplyTarget,
    body: RESTPostAPIChannelMessageJSONBody,
    asReply: boolean,
    files?: RawFile[],
  ): Promise<string> {
    const replyTo = asReply ? platformMessageId(target.messageId) : undefined;
    const full: RESTPostAPIChannelMessageJSONBody = {
      ...body,
      allowed_mentions: NO_PINGS,
      ...(replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {}),
    };
    const created = (await this.deps
      .rest()
      .post(Routes.channelMessages(this.channelOf(target)), { body: full, ...(files ? { files } : {}) })) as {
      id: string;
    };
    return created.id;
  }

  private async react(target: ReplyTarget, emoji: string): Promise<void> {
    const messageId = platformMessageId(target.messageId);
    if (!messageId) return;
    await this.deps
      .rest()
      .put(Routes.channelMessageOwnReaction(this.channelOf(target), messageId, encodeURIComponent(emoji)));
  }

  /** Uploads stored media (up to 10 files per message, Discord's limit) and embeds link-only images. */
  private async sendAttachments(target: ReplyTarget, attachments: Attachment[], asReply: boolean): Promise<void> {
    const files: RawFile[] = [];
    const embeds: APIEmbed[] = [];
    const blobs = this.deps.blobs();
    for (const attachment of attachments) {
      const bytes = attachment.blobKey && blobs ? await blobs.get(attachment.blobKey) : undefined;
      if (bytes) {
        files.push({
          name: attachment.fileName ?? attachment.blobKey!.split('/').pop()!,
          data: bytes,
          ...(attachment.mimeType ? { contentType: attachment.mimeType } : {}),
        });
      } else if (attachment.url && attachment.kind === 'image') {
        embeds.push({
          image: { url: attachment.url },
          ...(attachment.description ? { description: attachment.description.slice(0, 4096) } : {}),
        });
      } else if (attachment.url) {
        embeds.push({
          title: attachment.fileName ?? 'File',
          url: attachment.url,
          ...(attachment.description ? { description: attachment.description.slice(0, 4096) } : {}),
        });
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
          ...(batchFiles.length
            ? { attachments: batchFiles.map((f, index) => ({ id: index, filename: f.name })) }
            : {}),
        },
        asReply && i === 0,
        batchFiles.length ? batchFiles : undefined,
      );
    }
  }
}
