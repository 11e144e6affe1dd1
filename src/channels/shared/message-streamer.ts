/**
 * Streaming of a reply into a chat platform: "typing…" while the model works, then — where the
 * channel declares `editsInPlace` — one message that is edited as text arrives (at most once per
 * `editIntervalMs`), and, when the answer is done, split at the channel's `maxMessageLength` with
 * the first piece replacing the preview. Where the channel declares `buttons`, `[[button:…]]` markup
 * never shows while streaming and the answer's buttons go with its last piece. The platform supplies only its calls (send, edit, typing,
 * media, error); what it can do comes from its channel definition (src/channels/<name>/definition.ts);
 * the timing, ordering and bookkeeping live here.
 */
import type { Logger } from 'pino';
import type { ChannelCapabilities } from '../../core/channel.js';
import type { Attachment, ReplyEvent, ReplyTarget } from '../../core/message.js';
import { extractButtons, streamingText, type AnswerButton } from './buttons.js';
import { splitMessage } from './split.js';

/** What one platform does for the streamer; `Id` is how the platform names a sent message. */
export interface StreamingPlatform<Id> {
  /** Channel name, for log lines. */
  readonly channel: string;
  readonly log: Logger;
  /** Edit the streamed message at most this often. */
  readonly editIntervalMs: number;
  /** How often "typing…" is renewed, a little less than the platform shows it. */
  readonly typingRenewMs: number;
  /**
   * A reply with no event for this long is given up (its final event was lost: the engine died,
   * the bus dropped it): "typing…" stops and its state is forgotten. Default 10 minutes, longer
   * than any model call may take.
   */
  readonly replyTimeoutMs?: number;
  /** Markdown as the platform's message text is split and shown (before `post` and `edit`). */
  render(markdown: string): string;
  /** Shows "typing…" in the target's chat; never rejects (a failure is the platform's to log). */
  sendTyping(target: ReplyTarget): void;
  /**
   * Sends one message of the answer, as a reply to the user's message when `asReply`; resolves to its
   * id. `buttons` (the answer's, on its last piece) are shown under it.
   */
  post(target: ReplyTarget, content: string, asReply: boolean, buttons?: AnswerButton[]): Promise<Id>;
  /** Replaces the text of a message sent by `post` (and sets its buttons, when given). */
  edit(target: ReplyTarget, messageId: Id, content: string, buttons?: AnswerButton[]): Promise<void>;
  /** Sends the answer's media; `asReply` when no text went before them. */
  sendAttachments(target: ReplyTarget, attachments: Attachment[], asReply: boolean): Promise<void>;
  /** Tells the user the answer failed. */
  sendError(target: ReplyTarget, message: string): Promise<void>;
  /** A log-safe description of a failed call. */
  describe(err: unknown): string;
}

interface StreamState<Id> {
  target: ReplyTarget;
  text: string;
  /** The message being edited in place, once the first piece was sent. */
  messageId?: Id;
  /** Exactly what that message shows now (to skip edits that would change nothing). */
  shown?: string;
  /** Serializes the calls of one reply: the first send must finish before an edit. */
  queue: Promise<void>;
  editTimer?: NodeJS.Timeout;
  typingTimer?: NodeJS.Timeout;
  /** Gives the reply up when its final event never comes. */
  abandonTimer?: NodeJS.Timeout;
  lastEditAt: number;
}

const DEFAULT_REPLY_TIMEOUT_MS = 10 * 60_000;

/** Streams replies into one platform's chats; one instance per channel. */
export class MessageStreamer<Id> {
  private readonly replies = new Map<string, StreamState<Id>>();

  constructor(
    private readonly platform: StreamingPlatform<Id>,
    private readonly capabilities: Pick<ChannelCapabilities, 'editsInPlace' | 'maxMessageLength'> &
      Partial<Pick<ChannelCapabilities, 'buttons'>>,
  ) {}

  /** Handles one event of one reply; never throws (failures are logged). */
  async deliver(target: ReplyTarget, event: ReplyEvent): Promise<void> {
    let state = this.replies.get(event.replyId);
    if (!state) {
      state = { target, text: '', queue: Promise.resolve(), lastEditAt: 0 };
      this.replies.set(event.replyId, state);
    }
    const reply = state;
    this.watch(event.replyId, reply);
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
        await this.enqueue(reply, () => this.platform.sendError(reply.target, event.message));
        return;
    }
  }

  /** Stops every timer (channel stop). */
  close(): void {
    for (const [id, state] of this.replies) this.finish(id, state);
  }

  private finish(replyId: string, state: StreamState<Id>): void {
    clearTimeout(state.editTimer);
    clearInterval(state.typingTimer);
    clearTimeout(state.abandonTimer);
    if (this.replies.get(replyId) === state) this.replies.delete(replyId);
  }

  /** (Re)arms the reply's timeout: every event proves it is still alive. */
  private watch(replyId: string, state: StreamState<Id>): void {
    clearTimeout(state.abandonTimer);
    const timeoutMs = this.platform.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
    state.abandonTimer = setTimeout(() => {
      this.platform.log.warn(
        { replyId, chatId: state.target.chatId, timeoutMs },
        `${this.platform.channel} reply never finished; typing stopped and the reply given up`,
      );
      this.finish(replyId, state);
    }, timeoutMs);
    state.abandonTimer.unref();
  }

  private enqueue(state: StreamState<Id>, step: () => Promise<void>): Promise<void> {
    state.queue = state.queue.then(step).catch((err: unknown) => {
      this.platform.log.warn(
        { err: this.platform.describe(err), chatId: state.target.chatId },
        `${this.platform.channel} delivery failed`,
      );
    });
    return state.queue;
  }

  private startTyping(state: StreamState<Id>): void {
    const send = (): void => this.platform.sendTyping(state.target);
    send();
    // A redelivered `start` (the bus delivers at least once) must not orphan the first timer.
    clearInterval(state.typingTimer);
    state.typingTimer = setInterval(send, this.platform.typingRenewMs);
  }

  private scheduleEdit(state: StreamState<Id>): void {
    // Without edits the answer is sent whole when it is done; "typing…" shows progress meanwhile.
    if (state.editTimer || !this.capabilities.editsInPlace) return;
    const wait = Math.max(0, state.lastEditAt + this.platform.editIntervalMs - Date.now());
    state.editTimer = setTimeout(() => {
      state.editTimer = undefined;
      state.lastEditAt = Date.now();
      void this.enqueue(state, () => this.showPreview(state));
    }, wait);
  }

  /** Shows the answer so far: the first piece only; the rest is sent when the answer is done. */
  private async showPreview(state: StreamState<Id>): Promise<void> {
    const text = this.capabilities.buttons ? streamingText(state.text) : state.text;
    const first = splitMessage(this.platform.render(text), this.capabilities.maxMessageLength)[0];
    if (first.trim() === '') return;
    await this.putFirst(state, first);
    clearInterval(state.typingTimer); // the message itself now shows progress
  }

  /** Sends the whole answer in pieces (the first replaces the preview), then its media; buttons go with the last piece. */
  private async sendFinal(state: StreamState<Id>, answer: string, attachments: Attachment[]): Promise<void> {
    const { text, buttons } = this.capabilities.buttons ? extractButtons(answer) : { text: answer, buttons: [] };
    const pieces =
      text.trim() === '' ? [] : splitMessage(this.platform.render(text), this.capabilities.maxMessageLength);
    if (pieces.length === 0 && buttons.length > 0) pieces.push(this.platform.render('Choose:'));
    for (const [index, piece] of pieces.entries()) {
      const withButtons = index === pieces.length - 1 && buttons.length > 0 ? buttons : undefined;
      if (index === 0) await this.putFirst(state, piece, withButtons);
      else await this.platform.post(state.target, piece, false, withButtons);
    }
    if (attachments.length > 0) await this.platform.sendAttachments(state.target, attachments, pieces.length === 0);
  }

  /** Sends or edits the reply's first message so that it shows `content` (and `buttons`). */
  private async putFirst(state: StreamState<Id>, content: string, buttons?: AnswerButton[]): Promise<void> {
    const shown = buttons ? `${content}\0${JSON.stringify(buttons)}` : content;
    if (state.shown === shown) return;
    if (state.messageId === undefined) state.messageId = await this.platform.post(state.target, content, true, buttons);
    else await this.platform.edit(state.target, state.messageId, content, buttons);
    state.shown = shown;
  }
}
