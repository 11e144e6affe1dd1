/**
 * The voice channel: the browser voice page and its WebRTC calls. `POST /voice/offer` takes the
 * browser's SDP offer and answers it; each call is a `VoiceSession` whose finished utterances go to
 * the engine as `Message`s (channel `voice`, chatId = session id) and whose answers come back through
 * `deliver` to be spoken.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { directTextMessage } from '../core/direct-message.js';
import type { Authenticator, Principal } from '../core/auth.js';
import type { Channel, ChannelContext, ChannelStatus } from '../core/channel.js';
import type { HearthConfig } from '../core/config.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import { mediaResponse, openObject, responses } from '../core/route-schema.js';
import type { ReplyEvent, ReplyTarget } from '../core/message.js';
import type { AsrProvider, TtsProvider } from '../core/voice.js';
import { OpusDecoder } from './audio/opus-codec.js';
import { AudioOutput } from './audio-out.js';
import { Denoiser } from './denoise.js';
import { VoiceMetrics } from './latency.js';
import { createAsr, createTts } from './providers.js';
import { VoiceSession } from './session.js';
import { VoicePeer } from './transport/webrtc-peer.js';

export type VoiceConfig = HearthConfig['voice'];

export interface VoiceChannelDeps {
  auth: Authenticator;
  /** Whether an offer must carry valid credentials. */
  requireAuth: boolean;
  log: Logger;
  dataDir: string;
  /** Injected providers (tests, benchmarks); built from the config when absent. */
  asr?: AsrProvider;
  tts?: TtsProvider;
}

/** The repository root (where `web/` lives), from `dist/src/voice/`. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SESSION_ID = /^[A-Za-z0-9_-]{8,64}$/;
const MAX_SDP = 64 * 1024;

interface Call {
  session: VoiceSession;
  peer: VoicePeer;
  /** Who placed the call (principal id, or `anonymous` on an open voice page). */
  owner: string;
}

export class VoiceChannel implements Channel {
  readonly name = 'voice';
  readonly metrics = new VoiceMetrics();
  readonly asr: AsrProvider;
  readonly tts: TtsProvider;
  private ctx?: ChannelContext;
  private readonly calls = new Map<string, Call>();
  /** Offers being answered now (ICE gathering takes a while): they count against `maxSessions` too. */
  private opening = 0;
  private readonly since = Date.now();

  constructor(
    private readonly config: VoiceConfig,
    private readonly deps: VoiceChannelDeps,
  ) {
    this.asr = deps.asr ?? createAsr(config.asr);
    this.tts = deps.tts ?? createTts(config.tts);
  }

  /** Open calls (for status and tests). */
  get activeCalls(): number {
    return this.calls.size;
  }

  async routes(app: FastifyInstance): Promise<void> {
    const files: Record<string, [string, string]> = {
      '/voice.html': ['voice.html', 'text/html; charset=utf-8'],
      '/voice.js': ['voice.js', 'text/javascript; charset=utf-8'],
      '/voice.css': ['voice.css', 'text/css; charset=utf-8'],
      // The page's shared helpers and base stylesheet (the older web chat's; the web chat itself is web/chat/).
      '/page.js': ['page.js', 'text/javascript; charset=utf-8'],
      '/style.css': ['style.css', 'text/css; charset=utf-8'],
    };
    for (const [route, [name, type]] of Object.entries(files)) {
      if (app.hasRoute({ method: 'GET', url: route })) continue;
      const body = await readFile(join(ROOT, 'web', name));
      const schema = {
        summary: `The voice page's ${name}`,
        response: { 200: mediaResponse(name, type.split(';')[0]) },
      };
      app.get(route, { schema }, async (_req, reply) =>
        reply.header('content-type', type).header('cache-control', 'no-cache').send(body),
      );
    }
    const offerSchema = {
      summary: 'Starts a voice call: a WebRTC SDP offer in, the answer out',
      body: openObject({ sdp: { type: 'string' }, sessionId: { type: 'string' } }),
      response: responses({ 200: openObject({ sdp: { type: 'string' }, sessionId: { type: 'string' } }) }),
    };
    app.post('/voice/offer', { schema: offerSchema }, async (req, reply) => {
      const principal = await this.deps.auth.authenticate({ headers: req.headers, ip: req.ip });
      if (this.deps.requireAuth && !principal) {
        reply.header('WWW-Authenticate', 'Bearer');
        return reply.code(401).send({ error: { code: ErrorCode.unauthorized, message: 'a valid token is required' } });
      }
      const body = req.body as { sdp?: unknown; sessionId?: unknown } | undefined;
      if (!body || typeof body.sdp !== 'string' || body.sdp.length > MAX_SDP || !body.sdp.startsWith('v=0')) {
        throw new HearthError(ErrorCode.badRequest, 'body must be {sdp: "<SDP offer>"}', 400);
      }
      const requested =
        typeof body.sessionId === 'string' && SESSION_ID.test(body.sessionId) ? body.sessionId : undefined;
      return this.accept(body.sdp, requested ?? randomUUID(), principal, req);
    });
    // Metrics carry no conversation content, but they are operational data: same auth as the admin API.
    const metricsSchema = {
      summary: 'Voice call metrics: JSON with `Accept: application/json`, else Prometheus text',
      response: responses({
        200: {
          description: 'The metrics',
          content: {
            'application/json': { schema: openObject() },
            'text/plain': { schema: { type: 'string' } },
          },
        },
      }),
    };
    app.get('/voice/metrics', { schema: metricsSchema }, async (req, reply) => {
      const principal = await this.deps.auth.authenticate({ headers: req.headers, ip: req.ip });
      if (!principal)
        return reply
          .code(401)
          .send({ error: { code: ErrorCode.unauthorized, message: 'missing or invalid credentials' } });
      if ((req.headers.accept ?? '').includes('application/json')) return this.metrics.snapshot();
      return reply.header('content-type', 'text/plain; version=0.0.4').send(this.metrics.prometheus());
    });
  }

  async start(ctx: ChannelContext): Promise<void> {
    this.ctx = ctx;
  }

  status(): ChannelStatus {
    return { state: this.ctx ? 'ready' : 'stopped', since: this.since };
  }

  async deliver(target: ReplyTarget, event: ReplyEvent): Promise<void> {
    this.calls.get(target.chatId)?.session.replyEvent(event, target.messageId);
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.calls.values()].map((c) => c.peer.close()));
    this.calls.clear();
    await this.asr.close?.();
    await this.tts.close?.();
  }

  private async accept(
    sdp: string,
    sessionId: string,
    principal: Principal | undefined,
    req: FastifyRequest,
  ): Promise<{ sdp: string; sessionId: string }> {
    const ctx = this.ctx;
    if (!ctx) throw new HearthError(ErrorCode.shuttingDown, 'voice is not running', 503);
    // A session id names one caller's call: another caller reusing it must not take it (and its chat) over.
    const existing = this.calls.get(sessionId);
    if (existing && existing.owner !== (principal?.id ?? 'anonymous')) {
      throw new HearthError(ErrorCode.badRequest, 'this voice session belongs to another caller', 409);
    }
    if (this.calls.size + this.opening >= this.config.maxSessions && !this.calls.has(sessionId)) {
      throw new HearthError(ErrorCode.rateLimited, 'too many voice calls', 429);
    }
    this.opening++;
    try {
      return await this.open(sdp, sessionId, principal, req, ctx);
    } finally {
      this.opening--;
    }
  }

  private async open(
    sdp: string,
    sessionId: string,
    principal: Principal | undefined,
    req: FastifyRequest,
    ctx: ChannelContext,
  ): Promise<{ sdp: string; sessionId: string }> {
    await this.calls.get(sessionId)?.peer.close();
    const log = this.deps.log;
    const senderId = principal ? principal.id : `voice-${sessionId}`;
    const denoiser = await Denoiser.create(this.config.denoise);
    const decoder = new OpusDecoder(1);
    let peer: VoicePeer | undefined;
    const output = new AudioOutput((packet) => peer?.sendAudio(packet));
    const session = new VoiceSession({
      id: sessionId,
      asr: this.asr,
      tts: this.tts,
      denoiser,
      output,
      endpointing: this.config.vad,
      bargeIn: this.config.bargeIn,
      metrics: this.metrics,
      log,
      send: (event) => peer?.send(event),
      onUtterance: async (text, utteranceId) => {
        await ctx.receive(
          directTextMessage({ channel: 'voice', id: utteranceId, chatId: sessionId, sender: { id: senderId }, text }),
        );
      },
    });
    try {
      const answered = await VoicePeer.answer(sdp, this.config.ice, {
        onAudioPacket: (payload) => {
          try {
            session.pushAudio(decoder.decode(payload));
          } catch {
            /* a corrupt packet is dropped, as a jitter buffer would */
          }
        },
        onReady: () => peer?.send({ type: 'listening' }),
        onMessage: (message) => {
          const type = (message as { type?: unknown })?.type;
          if (type === 'interrupt' && session.assistantSpeaking) session.interrupt();
          if (type === 'hangup') void peer?.close();
        },
        onClose: () => {
          session.close();
          decoder.close();
          if (this.calls.get(sessionId)?.session === session) this.calls.delete(sessionId);
          log.info({ sessionId }, 'voice call ended');
        },
      });
      peer = answered.peer;
      this.calls.set(sessionId, { session, peer, owner: principal?.id ?? 'anonymous' });
      log.info({ sessionId, requestId: req.id, senderId }, 'voice call started');
      return { sdp: answered.sdp, sessionId };
    } catch (err) {
      session.close();
      decoder.close();
      throw err;
    }
  }
}

/** Builds the voice channel for the gateway's channel list (when `voice.enabled`). */
export function createVoiceChannel(config: VoiceConfig, deps: VoiceChannelDeps): VoiceChannel {
  return new VoiceChannel(config, deps);
}
