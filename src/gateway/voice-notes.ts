/**
 * Voice notes on chat apps: a voice message is transcribed before the engine sees it, and when the
 * agent is configured to speak, the answer to a voice message gets a voice note attached. Whether an
 * answer is spoken travels with the message and its reply (`Message.voiceReply` →
 * `ReplyTarget.voiceReply`), so no state is kept between the two and any replica can deliver it. The
 * speech stack is imported on the first voice note only.
 */
import type { Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';
import type { Message, ReplyEvent, ReplyTarget } from '../core/message.js';
import type { BlobStore } from '../core/stores.js';
import type { AsrProvider, TtsProvider } from '../core/voice.js';
import { errorSummary } from '../core/errors.js';
import type { Step } from './pipeline/compose.js';

const isSpeech = (m: Message) => m.attachments.some((a) => a.kind === 'voice' || a.kind === 'audio');

export class VoiceNotes {
  private asr?: Promise<AsrProvider | undefined>;
  private tts?: Promise<TtsProvider>;

  constructor(
    private readonly config: () => HearthConfig,
    private readonly blobs: () => BlobStore,
    private readonly log: Logger,
  ) {}

  /** The pipeline step (after routing, which picks the agent): marks and transcribes voice messages. */
  readonly step: Step = async ({ message }, next) => {
    await this.transcribe(message);
    await next();
  };

  /**
   * Fills the text of a voice message from its transcript, and marks it for a spoken answer when its
   * agent answers voice notes with voice. Never throws.
   */
  async transcribe(message: Message): Promise<void> {
    if (!isSpeech(message)) return;
    const voice = this.config().voice;
    if (voice.voiceNotes.replyAgents.includes(message.agent ?? 'default')) message.voiceReply = true;
    if (!voice.voiceNotes.transcribe) return;
    try {
      this.asr ??= this.createAsr();
      const asr = await this.asr;
      if (!asr) return;
      const { transcribeVoiceAttachments } = await import('../voice/index.js');
      await transcribeVoiceAttachments(message, this.blobs(), asr);
    } catch (err) {
      this.log.warn(
        { requestId: message.id, channel: message.channel, errorCode: 'HEARTH_E_ASR', err: errorSummary(err) },
        'voice note not transcribed',
      );
    }
  }

  /**
   * Called with every reply event before delivery: attaches a spoken version to the final answer of
   * a reply marked for voice (see `transcribe`). Never throws.
   */
  async speak(target: ReplyTarget, event: ReplyEvent): Promise<void> {
    if (!target.voiceReply || event.type !== 'done' || !event.text.trim()) return;
    try {
      const { attachVoiceReply, createTts } = await import('../voice/index.js');
      this.tts ??= Promise.resolve(createTts(this.config().voice.tts));
      await attachVoiceReply(event, this.blobs(), await this.tts);
    } catch (err) {
      this.log.warn(
        { requestId: event.inReplyTo, errorCode: 'HEARTH_E_TTS', err: errorSummary(err) },
        'voice reply not synthesized',
      );
    }
  }

  private async createAsr(): Promise<AsrProvider | undefined> {
    const { createAsr } = await import('../voice/index.js');
    try {
      return createAsr(this.config().voice.asr);
    } catch (err) {
      this.log.warn(
        { errorCode: 'HEARTH_E_CONFIG', err: errorSummary(err) },
        'voice notes cannot be transcribed: configure voice.asr',
      );
      return undefined;
    }
  }
}
