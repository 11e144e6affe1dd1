/**
 * Outbound: turns a streamed reply (start, delta*, done | error) into Telegram calls. "typing…"
 * while the model works; the answer appears as one message edited in place as text arrives
 * (throttled), and is split at Telegram's 4096-character limit when it is done; media from the
 * BlobStore go out as photo, document, sticker, voice, audio or video.
 */
import { GrammyError, InputFile, type Api } from 'grammy';
import type { Logger } from 'pino';
import type { Attachment, ReplyEvent, ReplyTarget } from '../../core/message.js';
import type { BlobStore, SessionStore } from '../../core/stores.js';
import type { AnswerButton } from '../shared/buttons.js';
import { inlineKeyboard } from './buttons.js';
import { markdownToTelegramHtml } from './markdown.js';
import { MessageStreamer } from '../shared/message-streamer.js';
import { telegramDefinition } from './definition.js';

/** Telegram's limit on a message's text, in UTF-16 code units after entity parsing. */
/** A chat action shows for 5 s; renew it a little before it fades. */
const TYPING_RENEW_MS = 4000;

export interface RepliesDeps {
  api: Api;
  blobs: () => BlobStore | undefined;
  /** Where button values too long for `callback_data` are kept. */
  sessions: () => SessionStore | undefined;
  log: Logger;
  editIntervalMs: number;
}

/** The message id Telegram knows, from a target id that may be a full `telegram:<chat>:<id>` message id. */
export function platformMessageId(messageId: string): number | undefined {
  const last = messageId
    .split(':')
    .filter((part) => part !== '')
    .at(-1);
  const n = Number(last);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function isNotModified(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && /not modified/i.test(err.description);
}

function isParseError(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && /parse entities/i.test(err.description);
}

/** Streams replies into Telegram chats (edit in place, see MessageStreamer); one instance per channel. */
export class TelegramReplies {
  private readonly streamer: MessageStreamer<number>;

  constructor(private readonly deps: RepliesDeps) {
    this.streamer = new MessageStreamer<number>(
      {
        channel: 'telegram',
        log: deps.log,
        editIntervalMs: deps.editIntervalMs,
        typingRenewMs: TYPING_RENEW_MS,
        // Pieces are cut from the Markdown; each is turned into HTML as it is sent (sendText, editText).
        render: (markdown) => markdown,
        describe,
        sendTyping: (target) => this.sendTyping(target),
        post: (target, markdown, asReply, buttons) => this.sendText(target, markdown, true, asReply, buttons),
        edit: (target, messageId, markdown, buttons) => this.editText(target.chatId, messageId, markdown, buttons),
        sendAttachments: async (target, attachments) => {
          for (const attachment of attachments) await this.sendAttachment(target, attachment);
        },
        sendError: async (target, message) => {
          await this.sendText(target, message, false, true);
        },
      },
      telegramDefinition.capabilities,
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

  private threadParams(target: ReplyTarget): { message_thread_id?: number } {
    const thread = target.threadId === undefined ? NaN : Number(target.threadId);
    return Number.isInteger(thread) ? { message_thread_id: thread } : {};
  }

  private sendTyping(target: ReplyTarget): void {
    this.deps.api.sendChatAction(target.chatId, 'typing', this.threadParams(target)).catch((err: unknown) => {
      this.deps.log.debug({ err: describe(err) }, 'telegram sendChatAction failed');
    });
  }

  private async sendText(
    target: ReplyTarget,
    text: string,
    markdown: boolean,
    asReply: boolean,
    buttons?: AnswerButton[],
  ): Promise<number> {
    const replyTo = asReply ? platformMessageId(target.messageId) : undefined;
    const base = {
      ...this.threadParams(target),
      ...(buttons?.length ? { reply_markup: await inlineKeyboard(buttons, this.deps.sessions()) } : {}),
      ...(replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
      link_preview_options: { is_disabled: true },
    };
    if (!markdown) return (await this.deps.api.sendMessage(target.chatId, text, base)).message_id;
    try {
      return (
        await this.deps.api.sendMessage(target.chatId, markdownToTelegramHtml(text), { ...base, parse_mode: 'HTML' })
      ).message_id;
    } catch (err) {
      if (!isParseError(err)) throw err;
      // Should not happen (the renderer only emits balanced tags), but a plain copy beats no answer.
      this.deps.log.warn({ err: describe(err) }, 'telegram rejected formatted text; sending it plain');
      return (await this.deps.api.sendMessage(target.chatId, text, base)).message_id;
    }
  }

  private async editText(chatId: string, messageId: number, markdown: string, buttons?: AnswerButton[]): Promise<void> {
    const markup = buttons?.length ? { reply_markup: await inlineKeyboard(buttons, this.deps.sessions()) } : {};
    try {
      await this.deps.api.editMessageText(chatId, messageId, markdownToTelegramHtml(markdown), {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...markup,
      });
    } catch (err) {
      if (isNotModified(err)) return;
      if (!isParseError(err)) throw err;
      await this.deps.api.editMessageText(chatId, messageId, markdown, markup);
    }
  }

  private async sendAttachment(target: ReplyTarget, attachment: Attachment): Promise<void> {
    const blobs = this.deps.blobs();
    const source = attachment.blobKey && blobs ? await blobs.get(attachment.blobKey) : undefined;
    const file = source
      ? new InputFile(source, attachment.fileName ?? attachment.blobKey?.split('/').pop())
      : attachment.url;
    if (!file) {
      this.deps.log.warn({ blobKey: attachment.blobKey }, 'telegram: attachment has no stored bytes or URL; skipped');
      return;
    }
    const chatId = target.chatId;
    const extra = {
      ...this.threadParams(target),
      ...(attachment.description ? { caption: attachment.description.slice(0, 1024) } : {}),
    };
    switch (attachment.kind) {
      case 'image':
        await this.deps.api.sendChatAction(chatId, 'upload_photo', this.threadParams(target)).catch(() => undefined);
        await this.deps.api.sendPhoto(chatId, file, extra);
        return;
      case 'sticker':
        await this.deps.api.sendSticker(chatId, file, this.threadParams(target));
        return;
      case 'voice':
        await this.deps.api.sendVoice(chatId, file, extra);
        return;
      case 'audio':
        await this.deps.api.sendAudio(chatId, file, extra);
        return;
      case 'video':
        await this.deps.api.sendVideo(chatId, file, extra);
        return;
      case 'document':
        await this.deps.api.sendChatAction(chatId, 'upload_document', this.threadParams(target)).catch(() => undefined);
        await this.deps.api.sendDocument(chatId, file, extra);
        return;
    }
  }
}

/** A log-safe description of an API failure (grammY errors never include the token). */
export function describe(err: unknown): string {
  if (err instanceof GrammyError) return `${err.error_code} ${err.description} (${err.method})`;
  return err instanceof Error ? err.message : String(err);
}
