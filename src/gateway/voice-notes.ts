/**
 * Voice notes on chat apps: a voice message is transcribed before the engine sees it, and when the
 * agent is configured to speak, the answer to a voice message gets a voice note attached. The speech
 * stack is imported on the first voice note only.
 */
import type { Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';
import type { Message, ReplyEvent } from '../core/message.js';
import type { BlobStore } from '../core/stores.js';
import type { AsrProvider, TtsProvider } from '../core/voice.js';
import { errorSummary } from '../engine/engine.js';

const isSpeech = (m: Message) => m.attachments.some((a) => a.kind === 'voice' || a.kind === 'audio');

export class VoiceNotes {
  private asr?: Promise<AsrProvider | undefined>;
  private tts?: Promise<TtsProvider>;
  /** Inbound voice messages whose answer should also be spoken, by message id. */
  private readonly speakTo = new Set<string>();

  /** Voice turns still waiting for their final event (for tests and metrics). */
  get waiting(): number {
    return this.speakTo.size;
  }

  constructor(
    private readonly config: () => HearthConfig,
    private readonly blobs: () => BlobStore,
    private readonly log: Logger,
  ) {}

  /** Fills the text of a voice message from its transcript. Never throws. */
  async transcribe(message: Message): Promise<void> {
    if (!isSpeech(message)) return;
    const voice = this.config().voice;
    if (voice.voiceNotes.replyAgents.includes(message.agent ?? 'default')) this.speakTo.add(message.id);
    if (!voice.voiceNotes.transcribe) return;
    try {
      this.asr ??= this.createAsr();
      const asr = await this.asr;
      if (!asr) return;
      const { transcribeVoiceAttachments } = await import('../voice/index.js');
      await transcribeVoiceAttachments(message, this.blobs(), asr);
    } catch (err) {
      this.log.warn({ requestId: message.id, channel: message.channel, errorCode: 'HEARTH_E_ASR', err: errorSummary(err) }, 'voice note not transcribed');
    }
  }

  /**
   * Called with the final event of every turn: attaches a spoken version to the answer of a voice
   * message when its agent speaks, and forgets the turn either way (an error ends it too). Never throws.
   */
  async settle(event: Extract<ReplyEvent, { type: 'done' | 'error' }>): Promise<void> {
    if (!this.speakTo.delete(event.inReplyTo) || event.type === 'error' || !event.text.trim()) return;
    try {
      const { attachVoiceReply, createTts } = await import('../voice/index.js');
      this.tts ??= Promise.resolve(createTts(this.config().voice.tts));
      await attachVoiceReply(event, this.blobs(), await this.tts);
    } catch (err) {
      this.log.warn({ requestId: event.inReplyTo, errorCode: 'HEARTH_E_TTS', err: errorSummary(err) }, 'voice reply not synthesized');
    }
  }

  private async createAsr(): Promise<AsrProvider | undefined> {
    const { createAsr } = await import('../voice/index.js');
    try {
      return createAsr(this.config().voice.asr);
    } catch (err) {
      this.log.warn({ errorCode: 'HEARTH_E_CONFIG', err: errorSummary(err) }, 'voice notes cannot be transcribed: configure voice.asr');
      return undefined;
    }
  }
}
