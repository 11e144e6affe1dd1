/**
 * The server end of a browser's WebRTC call, terminated in Hearth's own process with werift: Opus
 * audio both ways plus a data channel for transcripts and events. Signalling is one HTTP exchange
 * (non-trickle): the offer carries the browser's candidates, the answer ours.
 */
import { randomInt } from 'node:crypto';
import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  type RTCDataChannel,
  type RTCRtpTransceiver,
} from 'werift';
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { OutboundPacket } from '../audio-out.js';

export interface IceOptions {
  /** Local IPv4 addresses to offer as host candidates; no other interface is gathered. */
  addresses: string[];
  portRange?: [number, number];
  stunServers: string[];
}

export interface PeerHandlers {
  /** One received Opus packet (RTP payload). */
  onAudioPacket(payload: Buffer): void;
  /** The data channel opened: the call is usable. */
  onReady(): void;
  /** A JSON message from the browser. */
  onMessage(message: unknown): void;
  onClose(): void;
}

const GATHER_TIMEOUT_MS = 5_000;

export class VoicePeer {
  private channel?: RTCDataChannel;
  private audio?: RTCRtpTransceiver;
  private sequence = randomInt(0, 65536);
  private closed = false;

  private constructor(
    private readonly pc: RTCPeerConnection,
    private readonly handlers: PeerHandlers,
  ) {}

  /** Accepts a browser's SDP offer; resolves with the peer and the SDP answer (candidates included). */
  static async answer(
    offerSdp: string,
    ice: IceOptions,
    handlers: PeerHandlers,
  ): Promise<{ peer: VoicePeer; sdp: string }> {
    const pc = new RTCPeerConnection({
      codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2 })] },
      // Host discovery is switched off and only the configured addresses are added back.
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceUseTcp: false,
      iceAdditionalHostAddresses: ice.addresses,
      icePortRange: ice.portRange,
      iceServers: ice.stunServers.map((urls) => ({ urls })),
    });
    const peer = new VoicePeer(pc, handlers);
    try {
      await peer.negotiate(offerSdp);
    } catch (err) {
      await peer.close();
      throw err instanceof HearthError
        ? err
        : new HearthError(ErrorCode.badRequest, `cannot accept the offer: ${(err as Error).message}`, 400, {
            cause: err,
          });
    }
    return { peer, sdp: pc.localDescription!.sdp };
  }

  private async negotiate(offerSdp: string): Promise<void> {
    const pc = this.pc;
    pc.onDataChannel.subscribe((channel) => {
      this.channel = channel;
      channel.onMessage.subscribe((data) => {
        try {
          this.handlers.onMessage(JSON.parse(String(data)));
        } catch {
          /* not JSON: ignored */
        }
      });
      if (channel.readyState === 'open') this.handlers.onReady();
      else channel.stateChanged.subscribe((state) => state === 'open' && this.handlers.onReady());
    });
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed' || state === 'disconnected') void this.close();
    });
    // Subscribed before the offer is applied: werift may announce the remote track while applying it.
    pc.onTrack.subscribe((track) => {
      if (track.kind === 'audio') track.onReceiveRtp.subscribe((rtp) => this.handlers.onAudioPacket(rtp.payload));
    });
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    const audio = pc.getTransceivers().find((t) => t.kind === 'audio');
    if (!audio) throw new HearthError(ErrorCode.badRequest, 'the offer has no audio track', 400);
    audio.setDirection('sendrecv');
    this.audio = audio;
    await pc.setLocalDescription(await pc.createAnswer());
    await this.gathered();
  }

  private gathered(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new HearthError(ErrorCode.voice, 'ICE gathering timed out', 504)),
        GATHER_TIMEOUT_MS,
      );
      const sub = this.pc.iceGatheringStateChange.subscribe((state) => {
        if (state !== 'complete') return;
        clearTimeout(timer);
        sub.unSubscribe();
        resolve();
      });
    });
  }

  /** Sends one Opus packet on the audio track. */
  sendAudio(packet: OutboundPacket): void {
    if (this.closed || !this.audio) return;
    const header = new RtpHeader({
      payloadType: 111,
      sequenceNumber: this.sequence,
      timestamp: packet.timestamp,
      marker: packet.marker,
    });
    this.sequence = (this.sequence + 1) & 0xffff;
    this.audio.sender.sendRtp(new RtpPacket(header, packet.payload)).catch(() => undefined);
  }

  /** Sends a JSON event on the data channel (dropped until it is open). */
  send(event: unknown): void {
    if (this.closed || this.channel?.readyState !== 'open') return;
    this.channel.send(JSON.stringify(event));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pc.close().catch(() => undefined);
    this.handlers.onClose();
  }
}
