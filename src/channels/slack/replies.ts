/**
 * Streams one answer into Slack: the first text is posted (`chat.postMessage`), later text edits it
 * in place (`chat.update`, throttled, only when the text changed), and `done` writes the final
 * mrkdwn, splits it at Slack's section limit, adds Block Kit buttons and uploads attachments.
 */
import type { Logger } from 'pino';
import type { types, webApi } from '@slack/bolt';
import type { Attachment, ReplyEvent, ReplyTarget } from '../../core/message.js';
import type { BlobStore } from '../../core/stores.js';
import { HearthError, ErrorCode } from '../../core/errors.js';
import { extractButtons, streamingText, type AnswerButton } from '../shared/buttons.js';
import { markdownToMrkdwn, mrkdwnPieces } from './markdown.js';

/** A section block's text holds at most 3000 characters; chunks stay under it. */
export const SLACK_TEXT_LIMIT = 3000;
/** Prefix of the `action_id` of answer buttons; clicks on them come back as `action` messages. */
export const BUTTON_ACTION_PREFIX = 'hearth_btn_';

type WebClient = InstanceType<typeof webApi.WebClient>;

interface OpenReply {
  target: ReplyTarget;
  ts?: string;
  text: string;
  shown: string;
  lastEditAt: number;
  timer?: NodeJS.Timeout;
  queue: Promise<void>;
}

/** Block Kit for a final chunk: the text as a section, then one actions block with the buttons. */
export function answerBlocks(mrkdwn: string, buttons: AnswerButton[]): types.KnownBlock[] {
  const blocks: types.KnownBlock[] = [];
  if (mrkdwn.trim()) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: mrkdwn } });
  blocks.push({
    type: 'actions',
    block_id: 'hearth_buttons',
    elements: buttons.slice(0, 25).map((b, i) => ({
      type: 'button',
      action_id: `${BUTTON_ACTION_PREFIX}${i}`,
      text: { type: 'plain_text', text: b.label.slice(0, 75), emoji: true },
      value: b.value.slice(0, 2000),
    })),
  });
  return blocks;
}

export class SlackReplies {
  private readonly open = new Map<string, OpenReply>();

  constructor(
    private readonly client: () => WebClient,
    private readonly blobs: () => BlobStore | undefined,
    private readonly log: Logger,
    private readonly editIntervalMs: number,
  ) {}

  /** Handles one reply event; see the class comment for what each event type does. */
  async deliver(target: ReplyTarget, event: ReplyEvent): Promise<void> {
    if (event.type === 'start') {
      this.state(event.replyId, target);
      return;
    }
    if (event.type === 'delta') {
      const reply = this.state(event.replyId, target);
      reply.text += event.text;
      this.scheduleEdit(event.replyId, reply);
      return;
    }
    const reply = this.open.get(event.replyId) ?? this.state(event.replyId, target);
    this.open.delete(event.replyId);
    if (reply.timer) clearTimeout(reply.timer);
    await reply.queue;
    if (event.type === 'error') {
      await this.writeFinal(reply, event.message, []);
      return;
    }
    const { text, buttons } = extractButtons(event.text);
    await this.writeFinal(reply, text, buttons);
    for (const attachment of event.attachments) await this.upload(target, attachment);
  }

  /** Cancels pending edits (shutdown). */
  close(): void {
    for (const reply of this.open.values()) if (reply.timer) clearTimeout(reply.timer);
    this.open.clear();
  }

  private state(replyId: string, target: ReplyTarget): OpenReply {
    let reply = this.open.get(replyId);
    if (!reply) {
      reply = { target, text: '', shown: '', lastEditAt: 0, queue: Promise.resolve() };
      this.open.set(replyId, reply);
    }
    return reply;
  }

  private scheduleEdit(replyId: string, reply: OpenReply): void {
    if (reply.timer) return;
    const wait = reply.ts ? Math.max(0, reply.lastEditAt + this.editIntervalMs - Date.now()) : 0;
    reply.timer = setTimeout(() => {
      reply.timer = undefined;
      if (this.open.get(replyId) !== reply) return;
      reply.queue = reply.queue
        .then(() => this.streamEdit(reply))
        .catch((error) => this.warn('stream edit failed', error));
    }, wait);
  }

  private async streamEdit(reply: OpenReply): Promise<void> {
    const shown = markdownToMrkdwn(streamingText(reply.text)).slice(0, SLACK_TEXT_LIMIT);
    if (!shown.trim() || shown === reply.shown) return;
    reply.shown = shown;
    reply.lastEditAt = Date.now();
    if (reply.ts) {
      await this.client().chat.update({ channel: reply.target.chatId, ts: reply.ts, text: shown });
    } else {
      const posted = await this.client().chat.postMessage({
        channel: reply.target.chatId,
        thread_ts: reply.target.threadId,
        text: shown,
      });
      reply.ts = posted.ts;
    }
  }

  private async writeFinal(reply: OpenReply, markdown: string, buttons: AnswerButton[]): Promise<void> {
    const chunks = mrkdwnPieces(markdown, SLACK_TEXT_LIMIT);
    const { chatId, threadId } = reply.target;
    try {
      for (let i = 0; i < chunks.length; i++) {
        const text = chunks[i];
        const last = i === chunks.length - 1;
        const blocks = last && buttons.length > 0 ? answerBlocks(text, buttons) : undefined;
        if (!text.trim() && !blocks) continue;
        const fallback = text.trim() ? text : buttons.map((b) => b.label).join(' / ');
        if (i === 0 && reply.ts) {
          await this.client().chat.update({ channel: chatId, ts: reply.ts, text: fallback, blocks });
        } else {
          await this.client().chat.postMessage({ channel: chatId, thread_ts: threadId, text: fallback, blocks });
        }
      }
    } catch (error) {
      throw this.failure('sending the answer failed', error);
    }
  }

  private async upload(target: ReplyTarget, attachment: Attachment): Promise<void> {
    const data = attachment.blobKey ? await this.blobs()?.get(attachment.blobKey) : undefined;
    if (!data) {
      this.log.warn(
        { code: ErrorCode.channel, blobKey: attachment.blobKey },
        'slack: attachment has no stored bytes; skipped',
      );
      return;
    }
    const filename = attachment.fileName ?? attachment.blobKey?.split('/').pop() ?? 'file';
    try {
      const args = { channel_id: target.chatId, file: data, filename, title: filename };
      await this.client().filesUploadV2(
        (target.threadId ? { ...args, thread_ts: target.threadId } : args) as Parameters<WebClient['filesUploadV2']>[0],
      );
    } catch (error) {
      throw this.failure('uploading a file failed', error);
    }
  }

  private warn(what: string, error: unknown): void {
    this.log.warn({ code: ErrorCode.channel, err: slackErrorText(error) }, `slack: ${what}`);
  }

  private failure(what: string, error: unknown): HearthError {
    this.warn(what, error);
    return new HearthError(ErrorCode.channel, `Slack: ${what}: ${slackErrorText(error)}`, 502, { cause: error });
  }
}

/** The Slack error code (`channel_not_found`…) when there is one, otherwise the error message. */
export function slackErrorText(error: unknown): string {
  const data = (error as { data?: { error?: string } })?.data;
  if (data?.error) return data.error;
  return error instanceof Error ? error.message : String(error);
}
