/**
 * WhatsApp Web (multi-device) through Baileys: the account is linked by scanning a QR code, the
 * credentials live encrypted in `<authDir>` (reused on restart), and the connection is
 * re-established on close according to Baileys' `DisconnectReason`: logged out → failed
 * (credentials cleared), restart required → at once, anything else → exponential backoff.
 */
import type { Readable } from 'node:stream';
import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import QRCode from 'qrcode';
import makeWASocket, {
  DisconnectReason,
  downloadMediaMessage,
  makeCacheableSignalKeyStore,
  type AnyMessageContent,
  type AuthenticationState,
  type ConnectionState,
  type WAMessage,
  type WASocket,
} from '@whiskeysockets/baileys';
import type { Channel, ChannelContext, ChannelStatus } from '../../core/channel.js';
import type { Attachment, Message, ReplyEvent, ReplyTarget } from '../../core/message.js';
import { ErrorCode, HearthError } from '../../core/errors.js';
import { Backoff } from '../shared/backoff.js';
import { extractButtons } from '../shared/buttons.js';
import { StatusReporter } from '../shared/status.js';
import { useEncryptedFileAuthState, type FileAuthState, type TextCipher } from './encrypted-auth-state.js';
import { whatsappPieces } from './markdown.js';
import { mediaExtension, SeenIds } from './media.js';
import { choiceList, PendingChoices } from './web-choices.js';
import { messageFromWeb, type WebSelf } from './web-inbound.js';

/** The part of a Baileys socket Hearth uses; tests supply one driven through Baileys' own event emitter. */
export type WebSocketLike = Pick<
  WASocket,
  'ev' | 'sendMessage' | 'sendPresenceUpdate' | 'readMessages' | 'updateMediaMessage' | 'end'
> & {
  user?: WASocket['user'];
};

/** Opens a socket with the given credentials (the default calls Baileys' `makeWASocket`). */
export type SocketFactory = (auth: AuthenticationState, logger: Logger) => WebSocketLike;

export interface WebChannelOptions {
  authDir: string;
  printQr: boolean;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  /** Encrypts the credential files (the security module's field cipher); without it they stay plaintext. */
  cipher?: TextCipher;
  makeSocket?: SocketFactory;
  /** Where the terminal QR is written (default: stderr, so JSON logs on stdout stay parseable). */
  writeTerminal?: (text: string) => void;
  /** Largest inbound file downloaded (channels.yml `maxMediaBytes`); larger ones are described, not fetched. */
  maxMediaBytes?: number;
}

/** An inbound file over `maxMediaBytes`. */
class MediaTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`larger than maxMediaBytes (${maxBytes} bytes)`);
  }
}

/** Close reasons no reconnect can fix. */
const FATAL_REASONS = new Set<number>([
  DisconnectReason.loggedOut,
  DisconnectReason.forbidden,
  DisconnectReason.connectionReplaced,
]);

const defaultFactory: SocketFactory = (auth, logger) =>
  makeWASocket({
    auth: { creds: auth.creds, keys: makeCacheableSignalKeyStore(auth.keys, logger as never) },
    logger: logger as never,
    markOnlineOnConnect: false,
    syncFullHistory: false,
  });

/** Name of a Baileys close status code (`loggedOut`, `restartRequired`…), for logs and status. */
export function disconnectReasonName(code: number | undefined): string {
  const name = code === undefined ? undefined : (DisconnectReason as unknown as Record<number, string>)[code];
  return name ?? (code === undefined ? 'connection closed' : `status ${code}`);
}

/** The Baileys message content for one outgoing attachment. */
export function mediaContent(attachment: Attachment, data: Buffer): AnyMessageContent {
  const mimetype = attachment.mimeType ?? 'application/octet-stream';
  switch (attachment.kind) {
    case 'image':
      return { image: data, mimetype, caption: attachment.description };
    case 'video':
      return { video: data, mimetype, caption: attachment.description };
    case 'voice':
      return { audio: data, mimetype: attachment.mimeType ?? 'audio/ogg; codecs=opus', ptt: true };
    case 'audio':
      return { audio: data, mimetype };
    case 'sticker':
      return { sticker: data, mimetype };
    default:
      return { document: data, mimetype, fileName: attachment.fileName ?? 'file', caption: attachment.description };
  }
}

export class WhatsAppWebChannel implements Channel {
  readonly name = 'whatsapp';
  private readonly statusReporter: StatusReporter;
  private readonly backoff: Backoff;
  private ctx: ChannelContext | undefined;
  private sock: WebSocketLike | undefined;
  private self: WebSelf | undefined;
  private qrDataUrl: string | undefined;
  /** When the pending QR stops working (Baileys rotates it: 60 s for the first of a connection, 20 s after). */
  private qrExpiresAt: number | undefined;
  /** QR codes shown on the current connection attempt. */
  private qrsShown = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly seen = new SeenIds();
  private readonly choices = new PendingChoices();
  private authStore: FileAuthState | undefined;
  /** Recent inbound messages by id, to quote them when answering in groups. */
  private readonly recent = new Map<string, WAMessage>();
  private readonly baileysLog: Logger;

  constructor(
    private readonly options: WebChannelOptions,
    private readonly log: Logger,
  ) {
    this.statusReporter = new StatusReporter(log, 'whatsapp');
    this.backoff = new Backoff(options.reconnect.initialDelayMs, options.reconnect.maxDelayMs);
    this.baileysLog = log.child({ lib: 'baileys' }, { level: 'warn' });
  }

  /** The pairing QR code as a PNG data URL while one is waiting to be scanned (for the admin console). */
  qr(): string | undefined {
    return this.qrDataUrl;
  }

  /** When the pending QR code expires (ms since the epoch); a fresh one replaces it then. */
  qrExpiry(): number | undefined {
    return this.qrDataUrl ? this.qrExpiresAt : undefined;
  }

  async start(ctx: ChannelContext): Promise<void> {
    this.ctx = ctx;
    this.stopping = false;
    if (!this.options.cipher)
      this.log.warn({ code: ErrorCode.crypto }, 'whatsapp: no cipher given; credentials are stored unencrypted');
    await this.connect();
  }

  status(): ChannelStatus {
    return this.statusReporter.get();
  }

  /**
   * Unlinks this device and pairs afresh (the console's Re-pair): the socket is closed, the
   * credentials are removed and a new connection asks for a new QR code.
   */
  async repair(): Promise<void> {
    if (!this.ctx) throw new HearthError(ErrorCode.channel, 'whatsapp: the channel is not started', 409);
    await this.stop();
    await this.authStore?.settled();
    await rm(this.options.authDir, { recursive: true, force: true });
    this.log.info('whatsapp: credentials removed for a new pairing');
    this.stopping = false;
    this.backoff.reset();
    await this.connect();
  }

  /**
   * Closes the connection and opens a new one with the same credentials (an admin's Reconnect, e.g.
   * after a logout left the channel `failed` and it was paired again, or a connection that hangs).
   */
  async reconnect(): Promise<void> {
    if (!this.ctx) throw new HearthError(ErrorCode.channel, 'whatsapp: the channel is not started', 409);
    await this.stop();
    this.stopping = false;
    this.backoff.reset();
    this.setState('connecting', 'reconnecting (requested by an admin)');
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const sock = this.sock;
    this.sock = undefined;
    sock?.ev.removeAllListeners('connection.update');
    sock?.ev.removeAllListeners('messages.upsert');
    sock?.end(undefined);
    this.setState('stopped');
  }

  async deliver(target: ReplyTarget, event: ReplyEvent): Promise<void> {
    const sock = this.sock;
    if (event.type === 'start') {
      await sock?.sendPresenceUpdate('composing', target.chatId).catch(() => {});
      return;
    }
    if (event.type === 'delta') return;
    if (!sock || this.statusReporter.get().state !== 'ready') {
      throw new HearthError(ErrorCode.channel, 'WhatsApp is not connected', 503);
    }
    // A target's messageId is `<jid>:<key id>` (the Message.id without `whatsapp:`); `recent` is keyed by key id.
    const quoted = this.recent.get(target.messageId) ?? this.recent.get(target.messageId.split(':').at(-1) ?? '');
    const options = quoted && quoted.key.remoteJid?.endsWith('@g.us') ? { quoted } : undefined;
    try {
      await sock.sendPresenceUpdate('paused', target.chatId).catch(() => {});
      if (event.type === 'error') {
        await sock.sendMessage(target.chatId, { text: event.message }, options);
        return;
      }
      const { text, buttons } = extractButtons(event.text);
      // WhatsApp Web accounts cannot send interactive buttons reliably; offer the choices as a list.
      const withChoices = buttons.length ? `${text}\n\n${choiceList(buttons)}` : text;
      for (const chunk of whatsappPieces(withChoices)) {
        if (chunk.trim()) await sock.sendMessage(target.chatId, { text: chunk }, options);
      }
      if (buttons.length) this.choices.offer(target.chatId, buttons);
      for (const attachment of event.attachments) {
        const data = attachment.blobKey ? await this.ctx?.blobs.get(attachment.blobKey) : undefined;
        if (!data) {
          this.log.warn(
            { code: ErrorCode.channel, blobKey: attachment.blobKey },
            'whatsapp: attachment has no stored bytes; skipped',
          );
          continue;
        }
        await sock.sendMessage(target.chatId, mediaContent(attachment, data));
      }
    } catch (error) {
      this.log.warn({ code: ErrorCode.channel, reason: String(error) }, 'whatsapp: sending the answer failed');
      throw new HearthError(ErrorCode.channel, `WhatsApp: sending failed: ${String(error)}`, 502, { cause: error });
    }
  }

  private async connect(): Promise<void> {
    if (this.stopping) return;
    this.setState('connecting');
    try {
      const store = await useEncryptedFileAuthState(this.options.authDir, this.options.cipher);
      const { state, saveCreds, migrated } = store;
      this.authStore = store;
      if (migrated.length) this.log.info({ files: migrated.length }, 'whatsapp: plaintext credentials encrypted');
      // stop() may have run while the credentials were read: opening a socket now would outlive it.
      if (this.stopping) return;
      const sock = (this.options.makeSocket ?? defaultFactory)(state, this.baileysLog);
      this.sock = sock;
      sock.ev.on(
        'creds.update',
        () =>
          void saveCreds().catch((e: unknown) =>
            this.log.warn({ code: ErrorCode.storage, err: String(e) }, 'whatsapp: saving credentials failed'),
          ),
      );
      sock.ev.on('connection.update', (update) => void this.onConnection(update, sock));
      sock.ev.on('messages.upsert', ({ messages, type }) => {
        if (type !== 'notify') return;
        for (const msg of messages) void this.onMessage(msg, sock);
      });
    } catch (error) {
      if (error instanceof HearthError && error.code === ErrorCode.crypto) {
        // Retrying cannot fix a wrong master key; say so once and stop.
        this.log.error({ code: error.code, reason: error.message }, 'whatsapp: credentials cannot be read');
        this.setState('failed', error.message);
        return;
      }
      this.log.warn({ code: ErrorCode.channel, reason: String(error) }, 'whatsapp: could not open the connection');
      this.scheduleReconnect(String(error));
    }
  }

  private async onConnection(update: Partial<ConnectionState>, sock: WebSocketLike): Promise<void> {
    if (sock !== this.sock) return;
    if (update.qr) {
      this.setState('connecting', 'waiting for QR scan');
      this.log.info('whatsapp: scan the QR code (terminal or admin console) with WhatsApp > Linked devices');
      this.qrDataUrl = await QRCode.toDataURL(update.qr);
      // Baileys' own lifetimes (socket option qrTimeout, left at its default): 60 s, then 20 s per code.
      this.qrExpiresAt = Date.now() + (this.qrsShown++ === 0 ? 60_000 : 20_000);
      if (this.options.printQr) {
        const art = await QRCode.toString(update.qr, { type: 'terminal', small: true });
        (this.options.writeTerminal ?? ((t: string) => process.stderr.write(t)))(art);
      }
    }
    if (update.connection === 'open') {
      this.qrDataUrl = undefined;
      this.qrsShown = 0;
      this.backoff.reset();
      if (sock.user) this.self = { id: sock.user.id, lid: sock.user.lid };
      this.setState('ready');
      this.log.info('whatsapp: connected');
    }
    if (update.connection === 'close') {
      this.qrsShown = 0;
      const code = (update.lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output
        ?.statusCode;
      const reason = disconnectReasonName(code);
      this.sock = undefined;
      if (this.stopping) return;
      this.log.warn({ code: ErrorCode.channel, reason, statusCode: code }, 'whatsapp: connection closed');
      if (code !== undefined && FATAL_REASONS.has(code)) {
        if (code === DisconnectReason.loggedOut) {
          // The phone unlinked us: these credentials are dead; the next start shows a fresh QR.
          await this.authStore?.settled();
          await rm(this.options.authDir, { recursive: true, force: true });
        }
        this.qrDataUrl = undefined;
        this.setState('failed', reason);
        return;
      }
      if (code === DisconnectReason.restartRequired) {
        void this.connect();
        return;
      }
      this.scheduleReconnect(reason);
    }
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopping) return;
    this.setState('backing-off', reason);
    const wait = this.backoff.next();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, wait);
  }

  private async onMessage(msg: WAMessage, sock: WebSocketLike): Promise<void> {
    try {
      const self = this.self ?? (sock.user ? { id: sock.user.id, lid: sock.user.lid } : undefined);
      if (!self) return;
      const converted = messageFromWeb(this.name, msg, self);
      if ('skip' in converted) {
        const benign = /^(own message|status or broadcast)/.test(converted.skip);
        if (benign) this.log.debug({ reason: converted.skip }, 'whatsapp: message skipped');
        else
          this.log.warn(
            { code: ErrorCode.badRequest, reason: converted.skip },
            'whatsapp: malformed or unsupported message skipped',
          );
        return;
      }
      const message = this.asChoice(converted);
      if (this.seen.seenBefore(message.id)) return;
      this.remember(msg);
      await sock.readMessages([msg.key]).catch(() => {});
      const attachment = message.attachments[0];
      if (attachment && this.ctx) {
        try {
          const data = await this.downloadCapped(msg, sock, attachment.size);
          const key = `media/whatsapp/${String(msg.key.id).replace(/[^A-Za-z0-9_-]/g, '')}.${mediaExtension(attachment)}`;
          const meta = await this.ctx.blobs.put(key, data, {
            mimeType: attachment.mimeType,
            fileName: attachment.fileName,
          });
          attachment.blobKey = key;
          attachment.size = meta.size;
        } catch (error) {
          // The text still goes through; the model is told a file could not be read.
          this.log.warn({ code: ErrorCode.download, reason: String(error) }, 'whatsapp: media download failed');
          attachment.description ??=
            error instanceof MediaTooLarge
              ? `A file too large to download (over ${error.maxBytes} bytes)`
              : 'A file that could not be downloaded';
        }
      }
      await this.ctx?.receive(message);
    } catch (error) {
      this.log.warn({ code: ErrorCode.internal, err: String(error) }, 'whatsapp: handling a message failed');
    }
  }

  /**
   * Downloads and decrypts an inbound file through Baileys, never more than `maxMediaBytes`: a
   * declared size over the cap is not fetched at all, and a stream that runs past it (the declared
   * size was wrong) is cut off.
   */
  private async downloadCapped(msg: WAMessage, sock: WebSocketLike, declared: number | undefined): Promise<Buffer> {
    const max = this.options.maxMediaBytes ?? Number.MAX_SAFE_INTEGER;
    if (declared !== undefined && declared > max) throw new MediaTooLarge(max);
    const stream = (await downloadMediaMessage(
      msg,
      'stream',
      {},
      { logger: this.baileysLog as never, reuploadRequest: sock.updateMediaMessage },
    )) as Readable;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > max) {
        stream.destroy();
        throw new MediaTooLarge(max);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  /** A plain text reply naming an offered choice becomes that button's `action`; anything else is unchanged. */
  private asChoice(message: Message): Message {
    if (message.kind !== 'message' || message.attachments.length > 0) return message;
    const picked = this.choices.take(message.chatId, message.text);
    if (!picked) return message;
    return { ...message, kind: 'action', text: picked.label, value: picked.value, mentioned: true };
  }

  private remember(msg: WAMessage): void {
    this.recent.set(`${msg.key.id}`, msg);
    if (this.recent.size > 500) this.recent.delete(this.recent.keys().next().value as string);
  }

  private setState(state: ChannelStatus['state'], reason?: string): void {
    this.statusReporter.set(state, reason);
  }
}
