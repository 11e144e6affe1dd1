/**
 * The outbound audio pacer: queues synthesized 48 kHz PCM and sends it as one Opus packet every
 * 20 ms, the way a real-time track must flow. `clear()` drops everything queued, so barge-in stops
 * playback within one frame.
 */
import { FRAME_SAMPLES, OpusEncoder } from './audio/opus-codec.js';

export interface OutboundPacket {
  payload: Buffer;
  /** RTP timestamp (48 kHz clock). */
  timestamp: number;
  /** First packet after a pause (RTP marker bit). */
  marker: boolean;
}

export type PacketSink = (packet: OutboundPacket) => void;

const FRAME_MS = 20;

export class AudioOutput {
  private readonly encoder = new OpusEncoder();
  private queue: Int16Array[] = [];
  private partial = new Int16Array(0);
  private timer?: NodeJS.Timeout;
  private nextAt = 0;
  private timestamp = Math.floor(Math.random() * 2 ** 31);
  private talkspurt = true;
  private closed = false;
  private onIdle?: () => void;
  /** Called with the send time of the first packet after `play` started from idle. */
  onFirstPacket?: (at: number) => void;
  private firstPending = false;

  constructor(private readonly sink: PacketSink) {}

  /** Whether audio is queued or being sent. */
  get playing(): boolean {
    return this.timer !== undefined;
  }

  /** Queues 48 kHz mono PCM; starts the pacer if idle. */
  play(pcm: Int16Array): void {
    if (this.closed || pcm.length === 0) return;
    const all = new Int16Array(this.partial.length + pcm.length);
    all.set(this.partial);
    all.set(pcm, this.partial.length);
    let off = 0;
    for (; off + FRAME_SAMPLES <= all.length; off += FRAME_SAMPLES)
      this.queue.push(all.slice(off, off + FRAME_SAMPLES));
    this.partial = all.slice(off);
    if (!this.timer && this.queue.length) this.startPacing();
  }

  /** Sends the tail that did not fill a whole frame (end of an answer). */
  flush(): void {
    if (this.partial.length === 0) return;
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(this.partial);
    this.partial = new Int16Array(0);
    this.queue.push(frame);
    if (!this.timer) this.startPacing();
  }

  /** Drops all queued audio immediately (barge-in). */
  clear(): void {
    this.queue = [];
    this.partial = new Int16Array(0);
    this.stopPacing();
  }

  /** Resolves when the queue has played out. */
  idle(): Promise<void> {
    if (!this.timer) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.onIdle;
      this.onIdle = () => {
        previous?.();
        resolve();
      };
    });
  }

  close(): void {
    this.closed = true;
    this.clear();
    this.encoder.close();
  }

  private startPacing(): void {
    this.nextAt = performance.now();
    this.talkspurt = true;
    this.firstPending = true;
    this.tick();
  }

  private tick = (): void => {
    const now = performance.now();
    // Catch up if the event loop was late, but never burst more than 3 frames at once.
    for (let n = 0; n < 3 && this.queue.length && now >= this.nextAt - 1; n++) {
      this.sendFrame(this.queue.shift()!);
      this.nextAt += FRAME_MS;
    }
    if (this.queue.length === 0) return this.stopPacing();
    this.timer = setTimeout(this.tick, Math.max(0, this.nextAt - performance.now()));
  };

  private sendFrame(frame: Int16Array): void {
    const payload = this.encoder.encode(frame);
    this.sink({ payload, timestamp: this.timestamp >>> 0, marker: this.talkspurt });
    if (this.firstPending) {
      this.firstPending = false;
      this.onFirstPacket?.(performance.now());
    }
    this.talkspurt = false;
    this.timestamp = (this.timestamp + FRAME_SAMPLES) % 2 ** 32;
  }

  private stopPacing(): void {
    if (this.timer) clearTimeout(this.timer);
    const wasPlaying = this.timer !== undefined;
    this.timer = undefined;
    // Keep the RTP clock moving across the pause so the receiver's jitter buffer stays sane.
    if (wasPlaying) this.timestamp = (this.timestamp + FRAME_SAMPLES * 5) % 2 ** 32;
    const idle = this.onIdle;
    this.onIdle = undefined;
    idle?.();
  }
}
