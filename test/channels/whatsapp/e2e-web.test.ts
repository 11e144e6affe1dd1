/**
 * End to end in WhatsApp Web mode: the real gateway (the `Hearth` composition root, in this process)
 * with the WhatsApp channel on our side of Baileys' socket API (fake-baileys-socket.ts) and the fake
 * model. An image a user sends — encrypted by Baileys, served over HTTP, downloaded and decrypted by
 * Baileys — reaches the model as an image part with the original bytes, and the answer goes back
 * to the chat.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encryptedStream } from '@whiskeysockets/baileys';
import pino from 'pino';
import { startGateway, type InProcessGateway } from '../../gateway/in-process.js';
import { lastUserTurn } from '../test-context.js';
import { emit, fakeSocket, upsert, type FakeSocket } from './fake-baileys-socket.js';

let gw: InProcessGateway;
let media: Server;
let mediaBase = '';
const encrypted = new Map<string, Buffer>();
const sockets: FakeSocket[] = [];
const authDir = mkdtempSync(join(tmpdir(), 'hearth-wa-e2e-'));

async function until(probe: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const textsTo = (jid: string) =>
  sockets.flatMap((s) => s.sentMessages.filter((m) => m.jid === jid).map((m) => String(m.content.text ?? '')));

before(async () => {
  media = createServer((req, res) => {
    const body = encrypted.get(req.url ?? '');
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => media.listen(0, '127.0.0.1', r));
  mediaBase = `http://127.0.0.1:${(media.address() as { port: number }).port}`;
  gw = await startGateway('{}\n', {
    channels: `whatsapp:\n  mode: web\n  allowFrom: ["*"]\n  web:\n    authDir: ${authDir}\n    printQr: false\n`,
    channelTesting: {
      whatsapp: {
        makeSocket: () => {
          const s = fakeSocket();
          sockets.push(s);
          return s;
        },
        writeTerminal: () => undefined,
      },
    },
  });
  gw.fake.setReply((body) => ({ text: `You said: ${lastUserTurn(body).text}` }));
  await until(() => sockets.length > 0, 'the Baileys socket');
  emit(sockets[0]!, 'connection.update', { connection: 'open' });
});

after(async () => {
  await gw?.close();
  await new Promise((r) => media?.close(r));
  rmSync(authDir, { recursive: true, force: true });
});

test('an image sent on WhatsApp Web reaches the model with its bytes, and the answer comes back', async () => {
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('whatsapp web jpeg '.repeat(20))]);
  const enc = await encryptedStream(jpeg, 'image', { logger: pino({ level: 'silent' }) as never });
  encrypted.set('/mms/image/e2e1', readFileSync(enc.encFilePath));
  rmSync(enc.encFilePath, { force: true });
  const jid = '4915112345678@s.whatsapp.net';
  upsert(sockets[0]!, {
    key: { remoteJid: jid, fromMe: false, id: 'E2EIMG1' },
    message: {
      imageMessage: {
        url: `${mediaBase}/mms/image/e2e1`,
        mimetype: 'image/jpeg',
        caption: 'what is on this photo',
        mediaKey: enc.mediaKey,
        fileEncSha256: enc.fileEncSha256,
        fileSha256: enc.fileSha256,
        fileLength: enc.fileLength,
      },
    },
  });
  await until(() => textsTo(jid).some((t) => t.includes('You said: what is on this photo')), 'the answer');
  const turn = gw.fake.requests.map((r) => lastUserTurn(r.body)).find((t) => t.text.includes('what is on this photo'));
  assert.deepEqual(turn?.images, [`data:image/jpeg;base64,${jpeg.toString('base64')}`]);
});
