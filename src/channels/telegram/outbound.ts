/**
 * Outbound: turns a streamed reply (start, delta*, done | error) into Telegram calls. "typing…"
 * while the model works; the answer appears as one message edited in place as text arrives
 * (throttled), and is split at Telegram's 4096-character limit when it is done; media from the
 * BlobStore go out as photo, document, sticker, voice, audio or video.
 */
import { GrammyError, InputFile, type Api } from 'grammy';
import type { Logger } from 'pino';
import type { Attachment, ReplyEvent, ReplyTarget } from '../../core/message.js';
import type { BlobStore } from '../../core/stores.js';
import { markdownToTelegramHtml } from './markdown.js';
import { splitMessage } from '../shared/split.js';

/** Telegram's limit on a message's text, in UTF-16 code units after entity parsing. */
export const TELEGRAM_TEXT_LIMIT = 4096;
/** A chat action shows for 5 s; renew it a little before it fades. */
const TYPING_RENEW_MS = 4000;

interface ReplyState {
  target: ReplyTarget;
  text: string;
  /** The message being edited in place, once the first piece was sent. */
  messageId?: number;
  /** Exactly what that message shows now (to skip edits that would change nothing). */
  shown?: string;
  /** Serializes the calls of one reply: the first send must finish before an edit. */
  queue: Promise<void>;
  editTimer?: NodeJS.Timeout;
  typingTimer?: NodeJS.Timeout;
  lastEditAt: number;
}

export interface RepliesDeps {
  api: Api;
  blobs: () => BlobStore | undefined;
  log: Logger;
  editIntervalMs: number;
}

/** The message id Telegram knows, from a target id that may be a full `telegram:<chat>:<id>` message id. */
export function platformMessageId(messageId: string): number | undefined {
  const last = messageId.split(':').filter((part) => part !== '').at(-1);
  const n = Number(last);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function isNotModified(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && /not modified/i.test(err.description);
}

function isParseError(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && /parse entities/i.test(err.description);
}

/** Streams replies into Telegram chats; one instance per channel. */
export class TelegramReplies {
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
        await this.enqueue(reply, () => this.sendPieces(reply, [event.message], false));
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
      this.deps.log.warn({ err: describe(err), chatId: state.target.chatId }, 'telegram delivery failed');
    });
    return state.queue;
  }

  private threadParams(target: ReplyTarget): { message_thread_id?: number } {
    const thread = target.threadId === undefined ? NaN : Number(target.threadId);
    return Number.isInteger(thread) ? { message_thread_id: thread } : {};
  }

  private startTyping(state: ReplyState): void {
    const send = (): void => {
      this.deps.api.sendChatAction(state.target.chatId, 'typing', this.threadParams(state.target)).catch((err: unknown) => {
        this.deps.log.debug({ err: describe(err) }, 'telegram sendChatAction failed');
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
      void this.enqueue(state, () => this.showPreview(state));
    }, wait);
  }

  /** Shows the answer so far: the first piece only; the rest is sent when the answer is done. */
  private async showPreview(state: ReplyState): Promise<void> {
    const first = splitMessage(state.text, TELEGRAM_TEXT_LIMIT)[0];
    if (first.trim() === '') return;
    await this.putFirst(state, first);
    clearInterval(state.typingTimer); // the message itself now shows progress
  }

  private async sendFinal(state: ReplyState, text: string, attachments: Attachment[]): Promise<void> {
    if (text.trim() !== '') await this.sendPieces(state, splitMessage(text, TELEGRAM_TEXT_LIMIT), true);
    for (const attachment of attachments) await this.sendAttachment(state.target, attachment);
  }

  /** Sends pieces in order; the first replaces the streamed preview when there is one. */
  private async sendPieces(state: ReplyState, pieces: string[], markdown: boolean): Promise<void> {
    for (const [index, piece] of pieces.entries()) {
      if (index === 0 && markdown) await this.putFirst(state, piece);
      else await this.sendText(state.target, piece, markdown, index === 0);
    }
  }

  /** Sends or edits the reply's first message so that it shows `markdown`. */
  private async putFirst(state: ReplyState, markdown: string): Promise<void> {
    if (state.shown === markdown) return;
    if (state.messageId === undefined) {
      state.messageId = await this.sendText(state.target, markdown, true, true);
    } else {
      await this.editText(state.target.chatId, state.messageId, markdown);
    }
    state.shown = markdown;
  }

  private async sendText(target: ReplyTarget, text: string, markdown: boolean, asReply: boolean): Promise<number> {
    const replyTo = asReply ? platformMessageId(target.messageId) : undefined;
    const base = {
      ...this.threadParams(target),
      ...(replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
      link_preview_options: { is_disabled: true },
    };
    if (!markdown) return (await this.deps.api.sendMessage(target.chatId, text, base)).message_id;
    try {
      return (await this.deps.api.sendMessage(target.chatId, markdownToTelegramHtml(text), { ...base, parse_mode: 'HTML' })).message_id;
    } catch (err) {
      if (!isParseError(err)) throw err;
      // Should not happen (the renderer only emits balanced tags), but a plain copy beats no answer.
      this.deps.log.warn({ err: describe(err) }, 'telegram rejected formatted text; sending it plain');
      return (await this.deps.api.sendMessage(target.chatId, text, base)).message_id;
    }
  }

  private async editText(chatId: string, messageId: number, markdown: string): Promise<void> {
    try {
      await this.deps.api.editMessageText(chatId, messageId, markdownToTelegramHtml(markdown), {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
      });
    } catch (err) {
      if (isNotModified(err)) return;
      if (!isParseError(err)) throw err;
      await this.deps.api.editMessageText(chatId, messageId, markdown);
    }
  }

  private async sendAttachment(target: ReplyTarget, attachment: Attachment): Promise<void> {
    const blobs = this.deps.blobs();
    const source = attachment.blobKey && blobs ? await blobs.get(attachment.blobKey) : undefined;
    const file = source ? new InputFile(source, attachment.fileName ?? attachment.blobKey?.split('/').pop()) : attachment.url;
    if (!file) {
      this.deps.log.warn({ blobKey: attachment.blobKey }, 'telegram: attachment has no stored bytes or URL; skipped');
      return;
    }
    const chatId = target.chatId;
    const extra = { ...this.threadParams(target), ...(attachment.description ? { caption: attachment.description.slice(0, 1024) } : {}) };
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
