/**
 * WhatsApp Web mode. Baileys' Noise/Signal handshake with WhatsApp's servers cannot be faked
 * faithfully, so these tests drive everything on our side of Baileys' socket API: a socket whose
 * `ev` is Baileys' own event emitter, real `WAMessage` shapes, real media encryption (Baileys'
 * `encryptedStream`) served over HTTP and decrypted by Baileys' downloader, the real multi-file
 * auth state on disk, and Baileys' `DisconnectReason` codes.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DisconnectReason, encryptedStream, type WAMessage } from '@whiskeysockets/baileys';
import { emit, fakeSocket, upsert, type FakeSocket } from './fake-baileys-socket.js';
import { createChannel } from '../../../src/channels/whatsapp/index.js';
import { whatsappConfigSchema } from '../../../src/channels/whatsapp/config.js';
import type { WhatsAppWebChannel } from '../../../src/channels/whatsapp/web.js';
import { pickChoice, PendingChoices } from '../../../src/channels/whatsapp/web-choices.js';
import { memoryContext, type TestContext } from '../slack/memory-context.js';
import { replyTargetOf } from '../../../src/core/message.js';

let authDir: string;
let sockets: FakeSocket[];
let ctx: TestContext;
let channel: WhatsAppWebChannel;
let terminal: string[];
let mediaServer: Server;
let mediaBase: string;
const mediaRequests: string[] = [];
const encFiles = new Map<string, Buffer>();

async function waitFor(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const latest = () => sockets[sockets.length - 1];
const closeWith = (sock: FakeSocket, statusCode: number) =>
  emit(sock, 'connection.update', {
    connection: 'close',
    lastDisconnect: { error: Object.assign(new Error('closed'), { output: { statusCode } }), date: new Date() },
  });

before(async () => {
  mediaServer = createServer((req, res) => {
    mediaRequests.push(req.url ?? '');
    const body = encFiles.get(req.url ?? '');
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => mediaServer.listen(0, '127.0.0.1', r));
  mediaBase = `http://127.0.0.1:${(mediaServer.address() as { port: number }).port}`;
});

after(async () => {
  await new Promise((r) => mediaServer.close(r));
});

async function startChannel(extra: Record<string, unknown> = {}): Promise<void> {
  authDir = await mkdtemp(join(tmpdir(), 'hearth-wa-'));
  sockets = [];
  terminal = [];
  ctx = memoryContext();
  const config = whatsappConfigSchema.parse({
    mode: 'web',
    web: { authDir },
    reconnect: { initialDelayMs: 40, maxDelayMs: 100 },
    ...extra,
  });
  channel = createChannel(
    config,
    { log: ctx.log, dataDir: '/nonexistent' },
    {
      makeSocket: () => {
        const s = fakeSocket();
        sockets.push(s);
        return s;
      },
      writeTerminal: (t) => terminal.push(t),
    },
  ) as WhatsAppWebChannel;
  await channel.start(ctx);
}

afterEach(async () => {
  await channel.stop();
  await rm(authDir, { recursive: true, force: true });
});

test('QR pairing: the code is printed in the terminal and offered as a PNG data URL until the link opens', async () => {
  await startChannel();
  assert.equal(channel.status().state, 'connecting');
  emit(latest(), 'connection.update', { qr: '2@abc123,def456,ghi789==,jkl==' });
  await waitFor(() => channel.qr() !== undefined, 'qr');
  assert.match(channel.qr()!, /^data:image\/png;base64,/);
  await waitFor(() => terminal.length > 0, 'terminal qr');
  assert.ok(terminal[0].length > 100);
  assert.equal(channel.status().reason, 'waiting for QR scan');
  emit(latest(), 'connection.update', { connection: 'open' });
  await waitFor(() => channel.status().state === 'ready', 'ready');
  assert.equal(channel.qr(), undefined);
});

test('credentials are saved into authDir on creds.update', async () => {
  await startChannel();
  emit(latest(), 'creds.update', {});
  const until = Date.now() + 2000;
  let saved = '';
  while (Date.now() < until && !saved) saved = await readFile(join(authDir, 'creds.json'), 'utf8').catch(() => '');
  assert.ok(JSON.parse(saved).noiseKey, 'creds.json holds the generated noise key');
});

test('inbound: DMs, group mentions, replies to us, own messages skipped, read receipts sent', async () => {
  await startChannel();
  emit(latest(), 'connection.update', { connection: 'open' });
  await waitFor(() => channel.status().state === 'ready', 'ready');
  const sock = latest();
  upsert(sock, {
    key: { remoteJid: '4915112345678@s.whatsapp.net', fromMe: false, id: 'DM1' },
    pushName: 'Lena',
    message: { conversation: 'Hallo' },
  });
  const dm = await ctx.waitForMessage((m) => m.chatId === '4915112345678@s.whatsapp.net');
  assert.equal(dm.text, 'Hallo');
  assert.equal(dm.isGroup, false);
  assert.equal(dm.mentioned, true);
  assert.equal(dm.sender.name, 'Lena');
  assert.equal(dm.id, 'whatsapp:4915112345678@s.whatsapp.net:DM1');
  await waitFor(() => sock.read.length > 0, 'read receipt');

  const group = '120363041234567890@g.us';
  upsert(sock, {
    key: { remoteJid: group, fromMe: false, id: 'G1', participant: '4915100000001@s.whatsapp.net' },
    message: {
      extendedTextMessage: {
        text: '@15550001111 what time?',
        contextInfo: { mentionedJid: ['15550001111@s.whatsapp.net'] },
      },
    },
  });
  upsert(sock, {
    key: { remoteJid: group, fromMe: false, id: 'G2', participant: '4915100000002@s.whatsapp.net' },
    message: {
      extendedTextMessage: { text: 'thanks!', contextInfo: { stanzaId: 'OUT1', participant: '987654321@lid' } },
    },
  });
  upsert(sock, {
    key: { remoteJid: group, fromMe: false, id: 'G3', participant: '4915100000003@s.whatsapp.net' },
    message: { conversation: 'just chatting' },
  });
  upsert(sock, { key: { remoteJid: group, fromMe: true, id: 'G4' }, message: { conversation: 'mine' } });
  await waitFor(() => ctx.received.filter((m) => m.chatId === group).length === 3, 'three group messages');
  const [g1, g2, g3] = ['G1', 'G2', 'G3'].map((id) => ctx.received.find((m) => m.id.endsWith(`:${id}`))!);
  assert.equal(g1.isGroup, true);
  assert.equal(g1.mentioned, true);
  assert.equal(g1.sender.id, '4915100000001@s.whatsapp.net');
  assert.equal(g2.mentioned, true, 'a reply to our message counts as a mention (LID addressing)');
  assert.equal(g2.replyTo, 'OUT1');
  assert.equal(g3.mentioned, false);
  assert.ok(!ctx.received.some((m) => m.id.endsWith(':G4')));
});

test('inbound media is downloaded and decrypted by Baileys into the blob store', async () => {
  await startChannel();
  emit(latest(), 'connection.update', { connection: 'open' });
  await waitFor(() => channel.status().state === 'ready', 'ready');
  const original = Buffer.from('a JPEG would be here '.repeat(50));
  const enc = await encryptedStream(original, 'image', { logger: pino({ level: 'silent' }) as never });
  encFiles.set('/mms/image/enc1', await readFile(enc.encFilePath));
  await rm(enc.encFilePath, { force: true });
  upsert(latest(), {
    key: { remoteJid: '4915112345678@s.whatsapp.net', fromMe: false, id: 'IMG1' },
    message: {
      imageMessage: {
        url: `${mediaBase}/mms/image/enc1`,
        mimetype: 'image/jpeg',
        caption: 'look',
        mediaKey: enc.mediaKey,
        fileEncSha256: enc.fileEncSha256,
        fileSha256: enc.fileSha256,
        fileLength: enc.fileLength,
      },
    },
  });
  const m = await ctx.waitForMessage((x) => x.id.endsWith(':IMG1'));
  assert.equal(m.text, 'look');
  assert.equal(m.attachments[0].kind, 'image');
  assert.equal(m.attachments[0].blobKey, 'media/whatsapp/IMG1.jpg');
  assert.deepEqual(ctx.blobsByKey.get('media/whatsapp/IMG1.jpg')?.data, original);
});

test('inbound media obeys maxMediaBytes: a declared size over it is not fetched, a stream running past it is cut off', async () => {
  await startChannel({ maxMediaBytes: 500 });
  emit(latest(), 'connection.update', { connection: 'open' });
  await waitFor(() => channel.status().state === 'ready', 'ready');
  const original = Buffer.from('a JPEG would be here '.repeat(50)); // 1,050 bytes
  const enc = await encryptedStream(original, 'image', { logger: pino({ level: 'silent' }) as never });
  encFiles.set('/mms/image/big', await readFile(enc.encFilePath));
  await rm(enc.encFilePath, { force: true });
  const image = {
    url: `${mediaBase}/mms/image/big`,
    mimetype: 'image/jpeg',
    caption: 'big one',
    mediaKey: enc.mediaKey,
    fileEncSha256: enc.fileEncSha256,
    fileSha256: enc.fileSha256,
  };

  upsert(latest(), {
    key: { remoteJid: '4915112345678@s.whatsapp.net', fromMe: false, id: 'BIG1' },
    message: { imageMessage: { ...image, fileLength: enc.fileLength } },
  });
  const declared = await ctx.waitForMessage((x) => x.id.endsWith(':BIG1'));
  assert.equal(declared.text, 'big one', 'the message still arrives');
  assert.equal(declared.attachments[0].blobKey, undefined);
  assert.match(declared.attachments[0].description ?? '', /too large/);
  assert.ok(!mediaRequests.includes('/mms/image/big'), 'not fetched at all');

  // The sender's client under-declares the size: the download stops at the cap.
  upsert(latest(), {
    key: { remoteJid: '4915112345678@s.whatsapp.net', fromMe: false, id: 'BIG2' },
    message: { imageMessage: { ...image, fileLength: 100 } },
  });
  const lying = await ctx.waitForMessage((x) => x.id.endsWith(':BIG2'));
  assert.equal(lying.attachments[0].blobKey, undefined);
  assert.match(lying.attachments[0].description ?? '', /too large/);
  assert.equal(ctx.blobsByKey.get('media/whatsapp/BIG2.jpg'), undefined, 'nothing stored');
});

test('outbound: typing presence, formatted text with choices, media, quoting in groups', async () => {
  await startChannel();
  emit(latest(), 'connection.update', { connection: 'open' });
  await waitFor(() => channel.status().state === 'ready', 'ready');
  const sock = latest();
  const group = '120363041234567890@g.us';
  upsert(sock, {
    key: { remoteJid: group, fromMe: false, id: 'Q1', participant: '4915100000001@s.whatsapp.net' },
    message: { conversation: '@bot hi' },
  });
  await ctx.waitForMessage((m) => m.id.endsWith(':Q1'));
  const target = { channel: 'whatsapp', chatId: group, messageId: 'Q1' };
  await channel.deliver(target, { type: 'start', replyId: 'r', inReplyTo: 'm', conversationId: 'c', model: 'x' });
  assert.deepEqual(sock.presence[0], ['composing', group]);
  await ctx.blobs.put('media/out/note.ogg', Buffer.from('OPUS'), { mimeType: 'audio/ogg; codecs=opus' });
  await channel.deliver(target, {
    type: 'done',
    replyId: 'r',
    inReplyTo: 'm',
    conversationId: 'c',
    model: 'x',
    usage: { promptTokens: 1, completionTokens: 1 },
    finishReason: 'stop',
    text: '**Sure**. Pick one:\n[[button:Tea|tea]][[button:Coffee|coffee]]',
    attachments: [{ kind: 'voice', blobKey: 'media/out/note.ogg', mimeType: 'audio/ogg; codecs=opus' }],
  });
  assert.equal(sock.sentMessages[0].jid, group);
  assert.equal(sock.sentMessages[0].content.text, '*Sure*. Pick one:\n\n1. Tea\n2. Coffee');
  assert.equal((sock.sentMessages[0].options?.quoted as WAMessage).key.id, 'Q1');
  assert.equal(sock.sentMessages[1].content.ptt, true);
  assert.deepEqual(sock.sentMessages[1].content.audio, Buffer.from('OPUS'));
  assert.ok(sock.presence.some(([t]) => t === 'paused'));
});

test('reconnect decisions follow DisconnectReason', async () => {
  await startChannel();
  emit(latest(), 'connection.update', { connection: 'open' });
  await waitFor(() => channel.status().state === 'ready', 'ready');
  closeWith(latest(), DisconnectReason.restartRequired);
  await waitFor(() => sockets.length === 2, 'immediate restart');
  closeWith(latest(), DisconnectReason.connectionClosed);
  await waitFor(() => channel.status().state === 'backing-off', 'backing off');
  assert.equal(channel.status().reason, 'connectionClosed');
  await waitFor(() => sockets.length === 3, 'reconnect after backoff');
  await ctx.waitForLog((l) => l.msg === 'whatsapp: connection closed' && l.reason === 'connectionClosed');
  emit(latest(), 'creds.update', {});
  closeWith(latest(), DisconnectReason.loggedOut);
  await waitFor(() => channel.status().state === 'failed', 'failed');
  assert.equal(channel.status().reason, 'loggedOut');
  await assert.rejects(stat(authDir), 'credentials cleared after logout');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(sockets.length, 3, 'no reconnect after logout');
});

test("an admin's reconnect closes the socket and opens a new one with the same credentials", async () => {
  await startChannel();
  emit(latest(), 'connection.update', { connection: 'open' });
  await waitFor(() => channel.status().state === 'ready', 'ready');
  emit(latest(), 'creds.update', {});
  const first = latest();
  await channel.reconnect();
  assert.equal(sockets.length, 2, 'a new socket');
  assert.ok(first.ended, 'the old one is closed');
  assert.equal(channel.status().state, 'connecting');
  emit(latest(), 'connection.update', { connection: 'open' });
  await waitFor(() => channel.status().state === 'ready', 'ready again');
  await stat(authDir);
});

test('deliver while not connected fails clearly', async () => {
  await startChannel();
  await assert.rejects(
    channel.deliver(
      { channel: 'whatsapp', chatId: 'x@s.whatsapp.net', messageId: 'a' },
      { type: 'error', replyId: 'r', inReplyTo: 'm', conversationId: 'c', code: 'E', message: 'oops' },
    ),
    /not connected/,
  );
});

test('buttons: a reply "2" or the exact label in the same chat comes back as the button action', async () => {
  await startChannel();
  emit(latest(), 'connection.update', { connection: 'open' });
  await waitFor(() => channel.status().state === 'ready', 'ready');
  const sock = latest();
  const lena = '4915112345678@s.whatsapp.net';
  const group = '120363041234567890@g.us';
  const done = (text: string) => ({
    type: 'done' as const,
    replyId: 'r',
    inReplyTo: 'm',
    conversationId: 'c',
    model: 'x',
    usage: { promptTokens: 1, completionTokens: 1 },
    finishReason: 'stop' as const,
    text,
    attachments: [],
  });
  await channel.deliver(
    { channel: 'whatsapp', chatId: lena, messageId: 'B0' },
    done('Which size? [[button:Small|size-s]] [[button:Large|size-l]]'),
  );
  assert.equal(sock.sentMessages.at(-1)!.content.text, 'Which size?\n\n1. Small\n2. Large');

  upsert(sock, {
    key: { remoteJid: '4915199999999@s.whatsapp.net', fromMe: false, id: 'OTHER' },
    message: { conversation: '2' },
  });
  upsert(sock, { key: { remoteJid: lena, fromMe: false, id: 'B1' }, message: { conversation: ' 2 ' } });
  const click = await ctx.waitForMessage((m) => m.id.endsWith(':B1'));
  assert.equal(click.kind, 'action');
  assert.equal(click.value, 'size-l');
  assert.equal(click.text, 'Large');
  const other = await ctx.waitForMessage((m) => m.id.endsWith(':OTHER'));
  assert.equal(other.kind, 'message', 'a "2" in another chat is just text');

  upsert(sock, { key: { remoteJid: lena, fromMe: false, id: 'B2' }, message: { conversation: '2' } });
  assert.equal(
    (await ctx.waitForMessage((m) => m.id.endsWith(':B2'))).kind,
    'message',
    'the list is closed once chosen',
  );

  await channel.deliver(
    { channel: 'whatsapp', chatId: group, messageId: 'G0' },
    done('Vote: [[button:Tea|tea]] [[button:Coffee|coffee]]'),
  );
  upsert(sock, {
    key: { remoteJid: group, fromMe: false, id: 'G5', participant: '4915100000001@s.whatsapp.net' },
    message: { conversation: 'coffee' },
  });
  const vote = await ctx.waitForMessage((m) => m.id.endsWith(':G5'));
  assert.equal(vote.kind, 'action');
  assert.equal(vote.value, 'coffee');
  assert.equal(vote.mentioned, true, 'a choice in a group is addressed to us');
});

test('choices: numbers, labels, out-of-range numbers and the time window', () => {
  const buttons = [
    { label: 'Small', value: 's' },
    { label: 'Large', value: 'l' },
  ];
  assert.equal(pickChoice(buttons, '1.')?.value, 's');
  assert.equal(pickChoice(buttons, '#2')?.value, 'l');
  assert.equal(pickChoice(buttons, 'LARGE')?.value, 'l');
  assert.equal(pickChoice(buttons, '3'), undefined);
  assert.equal(pickChoice(buttons, '1 please'), undefined);
  const pending = new PendingChoices(1000);
  pending.offer('chat', buttons, 0);
  assert.equal(pending.take('chat', '1', 5000), undefined, 'too late');
  pending.offer('chat', buttons, 10_000);
  assert.equal(pending.take('chat', 'no', 10_100), undefined);
  assert.equal(pending.take('chat', '1', 10_200)?.value, 's', 'a non-matching reply leaves the list open');
});

test('group answers quote the asked message when the target comes from the real message id', async () => {
  await startChannel();
  emit(latest(), 'connection.update', { connection: 'open' });
  await waitFor(() => channel.status().state === 'ready', 'ready');
  const sock = latest();
  const group = '120363041234567891@g.us';
  upsert(sock, {
    key: { remoteJid: group, fromMe: false, id: 'Q2', participant: '4915100000001@s.whatsapp.net' },
    message: { conversation: '@bot hi' },
  });
  const received = await ctx.waitForMessage((m) => m.id.endsWith(':Q2'));
  const target = replyTargetOf(received);
  await channel.deliver(target, {
    type: 'done',
    replyId: 'r2',
    inReplyTo: 'm',
    conversationId: 'c',
    model: 'x',
    usage: { promptTokens: 1, completionTokens: 1 },
    finishReason: 'stop',
    text: 'hello',
    attachments: [],
  });
  assert.equal((sock.sentMessages[0].options?.quoted as WAMessage | undefined)?.key.id, 'Q2');
});

test('stop() while the first connect is still reading credentials opens no socket afterwards', async () => {
  authDir = await mkdtemp(join(tmpdir(), 'hearth-wa-'));
  sockets = [];
  ctx = memoryContext();
  const config = whatsappConfigSchema.parse({
    mode: 'web',
    web: { authDir },
    reconnect: { initialDelayMs: 40, maxDelayMs: 100 },
  });
  channel = createChannel(
    config,
    { log: ctx.log, dataDir: '/nonexistent' },
    {
      makeSocket: () => {
        const s = fakeSocket();
        sockets.push(s);
        return s;
      },
      writeTerminal: () => {},
    },
  ) as WhatsAppWebChannel;
  const starting = channel.start(ctx);
  await channel.stop();
  await starting;
  assert.ok(
    sockets.every((s) => s.ended),
    'a socket opened after stop() is left running',
  );
  assert.equal(channel.status().state, 'stopped');
});
