/** A VoiceSession wired to in-memory ends: collected events, utterances and outbound packets. */
import pino from 'pino';
import type { AsrProvider, TtsProvider } from '../../src/core/voice.js';
import { AudioOutput, type OutboundPacket } from '../../src/voice/audio-out.js';
import { Denoiser } from '../../src/voice/denoise.js';
import { VoiceMetrics } from '../../src/voice/latency.js';
import { VoiceSession, type VoiceEvent } from '../../src/voice/session.js';

export const ENDPOINTING = { threshold: 0.6, minLevelDb: -50, startMs: 60, endSilenceMs: 400, maxUtteranceMs: 15_000 };

export interface Rig {
  session: VoiceSession;
  events: VoiceEvent[];
  utterances: Array<{ text: string; utteranceId: string }>;
  packets: Array<OutboundPacket & { at: number }>;
  metrics: VoiceMetrics;
  output: AudioOutput;
  /** Resolves with the next event of this type. */
  next<T extends VoiceEvent['type']>(type: T, timeoutMs?: number): Promise<Extract<VoiceEvent, { type: T }>>;
}

export async function sessionRig(
  asr: AsrProvider,
  tts: TtsProvider,
  options: { onUtterance?: (text: string, id: string, rig: Rig) => void; denoise?: boolean } = {},
): Promise<Rig> {
  const events: VoiceEvent[] = [];
  const waiters: Array<{ type: string; resolve: (e: VoiceEvent) => void }> = [];
  const packets: Rig['packets'] = [];
  const metrics = new VoiceMetrics();
  const output = new AudioOutput((p) => packets.push({ ...p, at: performance.now() }));
  const rig = { events, utterances: [], packets, metrics, output } as unknown as Rig;
  rig.session = new VoiceSession({
    id: 'test-session',
    asr,
    tts,
    denoiser: await Denoiser.create(options.denoise ?? true),
    output,
    endpointing: ENDPOINTING,
    bargeIn: true,
    metrics,
    log: pino({ level: 'silent' }),
    send: (e) => {
      events.push(e);
      for (const w of [...waiters])
        if (w.type === e.type) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
    },
    onUtterance: async (text, utteranceId) => {
      rig.utterances.push({ text, utteranceId });
      options.onUtterance?.(text, utteranceId, rig);
    },
  });
  rig.next = (type, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no ${type} event within ${timeoutMs} ms; saw ${events.map((e) => e.type).join(',')}`)),
        timeoutMs,
      );
      waiters.push({ type, resolve: (e) => (clearTimeout(t), resolve(e as never)) });
    });
  return rig;
}
