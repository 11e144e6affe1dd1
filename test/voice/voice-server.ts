/**
 * An in-process gateway slice for voice tests: Fastify with the VoiceChannel's routes and a fake
 * engine that answers every utterance with streamed reply events, like the real pipeline does.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import type { ChannelContext } from '../../src/core/channel.js';
import type { HearthConfig } from '../../src/core/config.js';
import { configSchema } from '../../src/core/config.js';
import { HearthError } from '../../src/core/errors.js';
import { replyTargetOf, type Message } from '../../src/core/message.js';
import type { AsrProvider, TtsProvider } from '../../src/core/voice.js';
import { apiTokenAuthenticator } from '../../src/security/authenticator.js';
import { VoiceChannel } from '../../src/voice/channel.js';

export const VOICE_TOKEN = 'voice-test-token-0123456789';

export interface VoiceServer {
  url: string;
  channel: VoiceChannel;
  received: Message[];
  close(): Promise<void>;
}

/** The fake engine's answer to a transcript. */
export const answerTo = (text: string) => `You said ${text}. That is all I know.`;

export async function startVoiceServer(
  options: { voice?: Partial<HearthConfig['voice']>; requireAuth?: boolean; asr?: AsrProvider; tts?: TtsProvider } = {},
): Promise<VoiceServer> {
  const config = configSchema.parse({
    voice: {
      enabled: true,
      asr: { phrases: ['what time is it', 'tell me a joke', 'play some music'] },
      ...options.voice,
    },
  }).voice;
  const channel = new VoiceChannel(config, {
    auth: apiTokenAuthenticator(VOICE_TOKEN),
    requireAuth: options.requireAuth ?? false,
    log: pino({ level: 'silent' }),
    dataDir: '.',
    asr: options.asr,
    tts: options.tts,
  });
  const received: Message[] = [];
  const ctx: ChannelContext = {
    log: pino({ level: 'silent' }),
    blobs: undefined as never,
    sessions: undefined as never,
    async receive(m) {
      received.push(m);
      const target = replyTargetOf(m);
      const ids = { replyId: `${m.id}#r`, inReplyTo: m.id, conversationId: `voice:${m.chatId}` };
      const text = answerTo(m.text);
      setImmediate(async () => {
        await channel.deliver(target, { type: 'start', ...ids, model: 'fake' });
        for (const word of text.split(/(?<= )/)) await channel.deliver(target, { type: 'delta', ...ids, text: word });
        await channel.deliver(target, {
          type: 'done',
          ...ids,
          text,
          attachments: [],
          model: 'fake',
          usage: { promptTokens: 1, completionTokens: 1 },
          finishReason: 'stop',
        });
      });
    },
  };
  const app: FastifyInstance = Fastify();
  // As the gateway does (src/gateway/http-app.ts): a HearthError answers with its own status.
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err instanceof HearthError ? err.httpStatus : (err.statusCode ?? 500);
    return reply
      .code(status)
      .send({ error: { code: err instanceof HearthError ? err.code : 'HEARTH_E_INTERNAL', message: err.message } });
  });
  await channel.routes(app);
  await channel.start(ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}`,
    channel,
    received,
    close: async () => {
      await channel.stop();
      await app.close();
    },
  };
}
