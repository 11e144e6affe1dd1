/**
 * WhatsApp over the official Cloud API: Meta posts webhooks to /webhooks/whatsapp (verified by
 * X-Hub-Signature-256), answers go out through the Graph API. WhatsApp cannot edit messages, so an
 * answer is sent whole at `done`, with "typing…" shown from `start`.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Channel, ChannelContext, ChannelStatus } from '../../core/channel.js';
import type { Attachment, ReplyEvent, ReplyTarget } from '../../core/message.js';
import { ErrorCode, HearthError } from '../../core/errors.js';
import { mediaResponse, responses } from '../../core/route-schema.js';
import { extractButtons, type AnswerButton } from '../shared/buttons.js';
import { StatusReporter } from '../shared/status.js';
import { CloudApi } from './cloud-api.js';
import { readCloudWebhook, type CloudInbound } from './cloud-inbound.js';
import { verifyHubSignature } from './cloud-signature.js';
import type { WhatsappConfig } from './config.js';
import { whatsappPieces } from './markdown.js';
import { mediaExtension, SeenIds } from './media.js';

type CloudConfig = NonNullable<WhatsappConfig['cloud']>;

/** Interactive message limits (Cloud API): body 1024 chars, 3 reply buttons of 20 chars, or 10 list rows of 24. */
const BODY_LIMIT = 1024;

/** The `interactive` object for an answer's buttons: reply buttons for up to 3, a list beyond. */
export function interactiveFor(body: string, buttons: AnswerButton[]): Record<string, unknown> {
  if (buttons.length <= 3) {
    return {
      type: 'button',
      body: { text: body },
      action: {
        buttons: buttons.map((b) => ({
          type: 'reply',
          reply: { id: b.value.slice(0, 256), title: b.label.slice(0, 20) },
        })),
      },
    };
  }
  return {
    type: 'list',
    body: { text: body },
    action: {
      button: 'Choose',
      sections: [
        {
          title: 'Options',
          rows: buttons.slice(0, 10).map((b) => ({ id: b.value.slice(0, 200), title: b.label.slice(0, 24) })),
        },
      ],
    },
  };
}

export class WhatsAppCloudChannel implements Channel {
  readonly name = 'whatsapp';
  private readonly statusReporter: StatusReporter;
  private ctx: ChannelContext | undefined;
  private readonly api: CloudApi;
  private readonly seen = new SeenIds();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly cloud: CloudConfig,
    private readonly log: Logger,
    maxMediaBytes?: number,
  ) {
    this.api = new CloudApi({ ...cloud, maxMediaBytes });
    this.statusReporter = new StatusReporter(log, 'whatsapp');
  }

  routes(app: FastifyInstance): void {
    const verifySchema = {
      summary: "Meta's webhook verification (hub.mode=subscribe, hub.verify_token, hub.challenge)",
      response: responses({ 200: mediaResponse('The challenge, echoed', 'text/plain') }),
    };
    app.get('/webhooks/whatsapp', { schema: verifySchema }, async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      if (q['hub.mode'] === 'subscribe' && q['hub.verify_token'] === this.cloud.verifyToken && q['hub.challenge']) {
        return reply.code(200).type('text/plain').send(q['hub.challenge']);
      }
      this.log.warn({ code: ErrorCode.forbidden, mode: q['hub.mode'] }, 'whatsapp: webhook verification refused');
      return reply.code(403).send({ error: { code: ErrorCode.forbidden, message: 'verification failed' } });
    });
    app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      const schema = {
        summary: 'WhatsApp Cloud API events',
        description: 'Signed with `X-Hub-Signature-256` (HMAC of the raw body with the app secret).',
        response: responses({ 200: mediaResponse('Taken (empty body)', 'text/plain') }),
      };
      scope.post('/webhooks/whatsapp', { schema }, async (req, reply) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const signature = req.headers['x-hub-signature-256'];
        if (!verifyHubSignature(this.cloud.appSecret, Array.isArray(signature) ? signature[0] : signature, raw)) {
          this.log.warn(
            { code: ErrorCode.unauthorized, reason: signature ? 'bad signature' : 'missing signature', ip: req.ip },
            'whatsapp: webhook request rejected',
          );
          return reply.code(401).send({ error: { code: ErrorCode.unauthorized, message: 'bad signature' } });
        }
        let body: unknown;
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          this.log.warn(
            { code: ErrorCode.badRequest, reason: 'body is not JSON' },
            'whatsapp: malformed webhook payload skipped',
          );
          return reply.code(400).send({ error: { code: ErrorCode.badRequest, message: 'malformed payload' } });
        }
        // Answer Meta at once (it retries slow webhooks); media downloads happen after.
        this.track(this.handleWebhook(body));
        return reply.code(200).send('');
      });
    });
  }

  async start(ctx: ChannelContext): Promise<void> {
    this.ctx = ctx;
    // Webhook-driven: nothing to connect; the Graph API is reached per call.
    this.statusReporter.set('ready');
  }

  async deliver(target: ReplyTarget, event: ReplyEvent): Promise<void> {
    if (event.type === 'start') {
      await this.api
        .markReadTyping(target.messageId)
        .catch((error: unknown) => this.log.debug({ err: String(error) }, 'whatsapp: typing indicator failed'));
      return;
    }
    if (event.type === 'delta') return;
    try {
      if (event.type === 'error') {
        await this.api.sendMessage(target.chatId, {
          type: 'text',
          text: { body: event.message.slice(0, 4096), preview_url: false },
        });
        return;
      }
      const { text, buttons } = extractButtons(event.text);
      await this.sendText(target.chatId, text, buttons);
      for (const attachment of event.attachments) await this.sendAttachment(target.chatId, attachment);
    } catch (error) {
      const failure =
        error instanceof HearthError
          ? error
          : new HearthError(ErrorCode.channel, `WhatsApp: ${String(error)}`, 502, { cause: error });
      this.log.warn(
        { code: failure.code, chatId: target.chatId, reason: failure.message },
        'whatsapp: sending the answer failed',
      );
      throw failure;
    }
  }

  status(): ChannelStatus {
    return this.statusReporter.get();
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    this.statusReporter.set('stopped');
  }

  /** Exposed for tests and the gateway's drain: resolves when queued webhook work is done. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async handleWebhook(body: unknown): Promise<void> {
    const read = readCloudWebhook(this.name, body);
    for (const reason of read.skipped)
      this.log.warn({ code: ErrorCode.badRequest, reason }, 'whatsapp: malformed or unsupported payload skipped');
    for (const notice of read.notices)
      this.log.warn({ code: ErrorCode.channel, notice }, 'whatsapp: Cloud API reported a problem');
    for (const inbound of read.inbound) {
      if (this.seen.seenBefore(inbound.message.id)) continue;
      try {
        await this.storeMedia(inbound);
        await this.ctx?.receive(inbound.message);
      } catch (error) {
        this.log.warn(
          { code: ErrorCode.internal, messageId: inbound.message.id, err: String(error) },
          'whatsapp: receive failed',
        );
      }
    }
  }

  private async storeMedia(inbound: CloudInbound): Promise<void> {
    const media = inbound.media;
    const attachment = inbound.message.attachments[0];
    if (!media || !attachment || !this.ctx) return;
    try {
      const { data, mimeType } = await this.api.downloadMedia(media.id);
      attachment.mimeType ??= mimeType?.split(';')[0].trim();
      const key = `media/whatsapp/${media.id.replace(/[^A-Za-z0-9_-]/g, '')}.${mediaExtension(attachment)}`;
      const meta = await this.ctx.blobs.put(key, data, {
        mimeType: attachment.mimeType,
        fileName: attachment.fileName,
      });
      attachment.blobKey = key;
      attachment.size = meta.size;
    } catch (error) {
      this.log.warn(
        {
          code: error instanceof HearthError ? error.code : ErrorCode.download,
          mediaId: media.id,
          reason: String(error),
        },
        'whatsapp: media download failed',
      );
    }
  }

  /** Sends a Markdown answer; its buttons go with the last piece as an interactive message. */
  private async sendText(to: string, markdown: string, buttons: AnswerButton[]): Promise<void> {
    const chunks = whatsappPieces(markdown);
    const last = chunks[chunks.length - 1];
    const interactiveBody =
      buttons.length > 0 ? (last.length <= BODY_LIMIT && last.trim() ? chunks.pop()! : 'Choose:') : undefined;
    for (const chunk of chunks) {
      if (chunk.trim()) await this.api.sendMessage(to, { type: 'text', text: { body: chunk, preview_url: false } });
    }
    if (interactiveBody !== undefined)
      await this.api.sendMessage(to, { type: 'interactive', interactive: interactiveFor(interactiveBody, buttons) });
  }

  private async sendAttachment(to: string, attachment: Attachment): Promise<void> {
    const data = attachment.blobKey ? await this.ctx?.blobs.get(attachment.blobKey) : undefined;
    if (!data) {
      this.log.warn(
        { code: ErrorCode.channel, blobKey: attachment.blobKey },
        'whatsapp: attachment has no stored bytes; skipped',
      );
      return;
    }
    // Graph lists bare MIME types (audio/ogg, image/jpeg…); parameters such as codecs=opus are dropped.
    const mimeType = (attachment.mimeType ?? 'application/octet-stream').split(';')[0].trim();
    const fileName = attachment.fileName ?? attachment.blobKey?.split('/').pop() ?? 'file';
    const id = await this.api.uploadMedia(data, mimeType, fileName);
    const type = attachment.kind === 'voice' ? 'audio' : attachment.kind;
    const media: Record<string, unknown> = { id };
    // A voice note (OGG/Opus) shows as one, with play icon and transcript, only when flagged so.
    if (attachment.kind === 'voice') media.voice = true;
    if (type === 'document') media.filename = fileName;
    if ((type === 'image' || type === 'video' || type === 'document') && attachment.description)
      media.caption = attachment.description.slice(0, 1024);
    await this.api.sendMessage(to, { type, [type]: media });
  }
}
