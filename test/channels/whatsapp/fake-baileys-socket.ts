/**
 * Our side of Baileys' socket API for the WhatsApp Web tests: a socket whose `ev` is Baileys' own
 * event emitter, recording what the channel sends; `emit` and `upsert` play WhatsApp's part.
 */
import pino from 'pino';
import { makeEventBuffer, type WAMessage } from '@whiskeysockets/baileys';
import type { WebSocketLike } from '../../../src/channels/whatsapp/web.js';

export interface FakeSocket extends WebSocketLike {
  sentMessages: Array<{ jid: string; content: Record<string, unknown>; options?: Record<string, unknown> }>;
  presence: Array<[string, string | undefined]>;
  read: unknown[];
  ended: boolean;
}

export const SELF = { id: '15550001111:7@s.whatsapp.net', lid: '987654321:7@lid', name: 'Hearth' };

export function fakeSocket(): FakeSocket {
  const sock = {
    ev: makeEventBuffer(pino({ level: 'silent' }) as never),
    user: SELF,
    sentMessages: [] as FakeSocket['sentMessages'],
    presence: [] as FakeSocket['presence'],
    read: [] as unknown[],
    ended: false,
    async sendMessage(jid: string, content: Record<string, unknown>, options?: Record<string, unknown>) {
      sock.sentMessages.push({ jid, content, options });
      return { key: { remoteJid: jid, fromMe: true, id: `OUT${sock.sentMessages.length}` } };
    },
    async sendPresenceUpdate(type: string, jid?: string) {
      sock.presence.push([type, jid]);
    },
    async readMessages(keys: unknown[]) {
      sock.read.push(...keys);
    },
    async updateMediaMessage(m: unknown) {
      return m;
    },
    end() {
      sock.ended = true;
    },
  };
  return sock as unknown as FakeSocket;
}

export const emit = (sock: FakeSocket, event: string, data: unknown) =>
  (sock.ev as unknown as { emit(e: string, d: unknown): void }).emit(event, data);

export function upsert(sock: FakeSocket, msg: Partial<WAMessage>): void {
  emit(sock, 'messages.upsert', {
    messages: [{ messageTimestamp: Math.floor(Date.now() / 1000), ...msg }],
    type: 'notify',
  });
}
