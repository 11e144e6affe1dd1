/** `POST /voice/offer` under pressure: bad SDP, and many offers at once against `maxSessions`. */
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RTCPeerConnection } from 'werift';
import { startVoiceServer, VOICE_TOKEN, type VoiceServer } from './voice-server.js';
import type { Json } from '../json.js';

/** A real WebRTC offer (audio + data channel) from a werift client, as a browser would send. */
async function clientOffer(): Promise<{ pc: RTCPeerConnection; sdp: string }> {
  const pc = new RTCPeerConnection({ iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv4: false });
  pc.addTransceiver('audio', { direction: 'sendrecv' });
  pc.createDataChannel('events');
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete')
    await new Promise<void>((r) => pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && r()));
  return { pc, sdp: pc.localDescription!.sdp };
}

/**
 * A STUN server that answers binding requests after `delayMs`: it keeps every offer in ICE
 * gathering for that long, so offers sent together really overlap.
 */
async function slowStun(delayMs: number): Promise<{ close(): void; url: string }> {
  const socket = createSocket('udp4');
  const timers = new Set<NodeJS.Timeout>();
  socket.on('message', (msg, rinfo) => {
    if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0001) return;
    const res = Buffer.alloc(32);
    res.writeUInt16BE(0x0101, 0); // binding success
    res.writeUInt16BE(12, 2);
    msg.copy(res, 4, 4, 20); // magic cookie + transaction id
    res.writeUInt16BE(0x0020, 20); // XOR-MAPPED-ADDRESS
    res.writeUInt16BE(8, 22);
    res.writeUInt16BE(0x0001, 24);
    res.writeUInt16BE(rinfo.port ^ 0x2112, 26);
    rinfo.address.split('.').forEach((b, i) => res.writeUInt8(Number(b) ^ [0x21, 0x12, 0xa4, 0x42][i]!, 28 + i));
    const timer = setTimeout(() => {
      timers.delete(timer);
      socket.send(res, rinfo.port, rinfo.address);
    }, delayMs);
    timers.add(timer);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return {
    url: `stun:127.0.0.1:${socket.address().port}`,
    close: () => {
      for (const t of timers) clearTimeout(t);
      socket.close();
    },
  };
}

async function postOffer(url: string, body: unknown, token?: string): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  const res = await fetch(`${url}/voice/offer`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('voice offers', () => {
  let server: VoiceServer;
  let stun: { close(): void };
  const clients: RTCPeerConnection[] = [];

  before(async () => {
    const slow = await slowStun(300);
    stun = slow;
    server = await startVoiceServer({
      voice: { maxSessions: 2, ice: { addresses: ['127.0.0.1'], stunServers: [slow.url] } },
    });
  });

  after(async () => {
    await Promise.allSettled(clients.map((pc) => pc.close()));
    await server?.close();
    stun?.close();
  });

  it('refuses malformed SDP with a 400, and keeps serving', async () => {
    for (const sdp of ['v=0\r\nthis is not sdp', 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n', 'v=0']) {
      const res = await postOffer(server.url, { sdp });
      assert.ok(
        res.status >= 400 && res.status < 500,
        `${JSON.stringify(sdp)} -> ${res.status} ${JSON.stringify(res.body)}`,
      );
    }
    assert.equal(server.channel.activeCalls, 0);
  });

  it('never holds more than maxSessions calls, even when offers arrive together', async () => {
    const offers = await Promise.all(Array.from({ length: 5 }, () => clientOffer()));
    clients.push(...offers.map((o) => o.pc));
    const results = await Promise.all(offers.map((o) => postOffer(server.url, { sdp: o.sdp })));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 429, 429, 429], JSON.stringify(results.map((r) => r.body)));
    assert.equal(server.channel.activeCalls, 2);
  });
});

describe('voice session ownership', () => {
  let server: VoiceServer;
  const clients: RTCPeerConnection[] = [];
  before(async () => {
    server = await startVoiceServer({ voice: { maxSessions: 4, ice: { addresses: ['127.0.0.1'], stunServers: [] } } });
  });
  after(async () => {
    await Promise.allSettled(clients.map((pc) => pc.close()));
    await server?.close();
  });

  it('a caller cannot take over another caller’s session by reusing its id', async () => {
    const first = await clientOffer();
    const second = await clientOffer();
    clients.push(first.pc, second.pc);
    const sessionId = 'voice-session-owned-1';
    const opened = await postOffer(server.url, { sdp: first.sdp, sessionId });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const taken = await postOffer(server.url, { sdp: second.sdp, sessionId }, VOICE_TOKEN);
    assert.equal(taken.status, 409, JSON.stringify(taken.body));
    assert.equal(server.channel.activeCalls, 1);
  });
});
