/**
 * A protocol-faithful fake of the WhatsApp Business Cloud API (Graph API) for tests, plus a driver
 * that posts webhooks signed like Meta does (`X-Hub-Signature-256: sha256=<HMAC of the raw body>`).
 * Graph endpoints: POST /{version}/{phone-number-id}/messages, POST /{version}/{phone-number-id}/media
 * (multipart), GET /{version}/{media-id} (→ short-lived `url`), GET of that URL (token required).
 * Errors use Graph's `{ error: { message, type, code, error_data, fbtrace_id } }` shape.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GraphCall {
  method: string;
  path: string;
  token: string | undefined;
  body: Record<string, unknown>;
  at: number;
}

export interface UploadedMedia {
  id: string;
  type: string;
  fileName: string;
  bytes: Buffer;
}

export interface WhatsAppCloudFake {
  baseUrl: string;
  /** Like `https://graph.facebook.com/v21.0`. */
  graphApiBase: string;
  phoneNumberId: string;
  accessToken: string;
  /** Every accepted POST to /messages (sends and read receipts). */
  sent: GraphCall[];
  uploads: UploadedMedia[];
  /** Hosts inbound media; returns the media id a webhook carries. */
  hostMedia(bytes: Buffer, mimeType: string): string;
  /**
   * Hosts inbound media and returns the media object of a webhook message (`audio`, `image`…) as
   * Meta documents it: mime_type, sha256, id, url, plus `extra` (caption, filename, voice).
   */
  mediaObject(bytes: Buffer, mimeType: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /** Sends to this user fail with 131047 (24-hour window closed). */
  closeWindow(waId: string): void;
  waitForSent(match: (c: GraphCall) => boolean, timeoutMs?: number): Promise<GraphCall>;
  /** Builds a `messages` webhook body for one inbound message. */
  webhook(message: Record<string, unknown>, contact?: { waId: string; name: string }): Record<string, unknown>;
  close(): Promise<void>;
}

/** Posts a webhook body to `url` signed with `appSecret` (or a wrong secret). */
/** The channels.yml section that points Hearth's WhatsApp channel (Cloud API mode, anyone allowed) at `fake`. */
export function whatsAppCloudChannels(fake: WhatsAppCloudFake, appSecret: string, verifyToken: string): string {
  return [
    'whatsapp:',
    '  mode: cloud',
    '  allowFrom: ["*"]',
    '  cloud:',
    `    phoneNumberId: "${fake.phoneNumberId}"`,
    `    accessToken: ${fake.accessToken}`,
    `    appSecret: ${appSecret}`,
    `    verifyToken: ${verifyToken}`,
    `    graphApiBase: ${fake.graphApiBase}`,
    '',
  ].join('\n');
}

export async function postSignedWhatsAppWebhook(
  url: string,
  appSecret: string,
  body: unknown,
  opts: { badSignature?: boolean; unsigned?: boolean } = {},
): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'facebookexternalua' };
  if (!opts.unsigned)
    headers['x-hub-signature-256'] =
      'sha256=' +
      createHmac('sha256', opts.badSignature ? `${appSecret}-wrong` : appSecret)
        .update(raw)
        .digest('hex');
  return fetch(url, { method: 'POST', headers, body: raw });
}

/** Message types that carry a media object (id of uploaded media, or a link). */
const mediaTypes = new Set(['audio', 'document', 'image', 'sticker', 'video']);

/** The media types the Cloud API accepts for upload (Meta's "Supported media types" table). */
const supportedUploadTypes = new Set([
  'audio/aac',
  'audio/amr',
  'audio/mpeg',
  'audio/mp4',
  'audio/ogg',
  'text/plain',
  'application/pdf',
  'application/vnd.ms-powerpoint',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'image/jpeg',
  'image/png',
  'image/webp',
  'video/3gpp',
  'video/mp4',
]);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the fake on 127.0.0.1 (free port). */
export async function startWhatsAppCloudFake(
  opts: { phoneNumberId?: string; accessToken?: string; version?: string } = {},
): Promise<WhatsAppCloudFake> {
  const phoneNumberId = opts.phoneNumberId ?? '106540352242922';
  const accessToken = opts.accessToken ?? 'EAAG-test-access-token';
  const version = opts.version ?? 'v21.0';
  const sent: GraphCall[] = [];
  const uploads: UploadedMedia[] = [];
  const hosted = new Map<string, { bytes: Buffer; mimeType: string }>();
  const closed = new Set<string>();
  const waiters: Array<{ match: (c: GraphCall) => boolean; resolve: (c: GraphCall) => void }> = [];
  let baseUrl = '';

  const graphError = (status: number, code: number, message: string, details?: string) => ({
    status,
    body: {
      error: {
        message,
        type: 'OAuthException',
        code,
        error_data: { messaging_product: 'whatsapp', details: details ?? message },
        fbtrace_id: `A${randomUUID().slice(0, 12)}`,
      },
    },
  });

  async function handle(
    req: IncomingMessage,
    raw: Buffer,
  ): Promise<{ status: number; body: unknown; bytes?: Buffer; type?: string }> {
    const url = new URL(req.url ?? '/', baseUrl);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (token !== accessToken) return graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
    if (url.pathname.startsWith('/media-download/')) {
      const media = hosted.get(url.pathname.split('/')[2]);
      if (!media) return { status: 404, body: {} };
      return { status: 200, body: undefined, bytes: media.bytes, type: media.mimeType };
    }
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== version) return graphError(400, 2500, 'Unknown path components');
    if (req.method === 'POST' && parts[1] === phoneNumberId && parts[2] === 'messages') {
      const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      if (body.messaging_product !== 'whatsapp')
        return graphError(400, 100, '(#100) The parameter messaging_product is required.');
      const call: GraphCall = { method: 'POST', path: url.pathname, token, body, at: Date.now() };
      if (body.status === 'read') {
        sent.push(call);
        notify(call);
        return { status: 200, body: { success: true } };
      }
      if (typeof body.to !== 'string' || typeof body.type !== 'string')
        return graphError(400, 100, '(#100) Invalid parameter');
      const media = body[body.type] as { id?: string; link?: string } | undefined;
      if (
        mediaTypes.has(body.type) &&
        !(media?.link || (media?.id && (uploads.some((u) => u.id === media.id) || hosted.has(media.id))))
      ) {
        return graphError(400, 131053, 'Media upload error', 'Unable to retrieve media: the media id was not found');
      }
      if (closed.has(body.to)) {
        return graphError(
          400,
          131047,
          'Re-engagement message',
          'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
        );
      }
      sent.push(call);
      notify(call);
      return {
        status: 200,
        body: {
          messaging_product: 'whatsapp',
          contacts: [{ input: body.to, wa_id: body.to }],
          messages: [{ id: `wamid.${Buffer.from(randomUUID()).toString('base64url')}` }],
        },
      };
    }
    if (req.method === 'POST' && parts[1] === phoneNumberId && parts[2] === 'media') {
      const form = await new Request('http://graph.invalid/', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: raw,
      }).formData();
      const file = form.get('file');
      if (form.get('messaging_product') !== 'whatsapp' || !file || typeof file === 'string')
        return graphError(400, 100, '(#100) Param file must be a file');
      if (!supportedUploadTypes.has(String(form.get('type'))))
        return graphError(
          400,
          100,
          `(#100) Param type must be one of the supported media types, got ${String(form.get('type'))}`,
        );
      const id = String(Math.floor(Math.random() * 1e15));
      uploads.push({
        id,
        type: String(form.get('type')),
        fileName: file.name,
        bytes: Buffer.from(await file.arrayBuffer()),
      });
      return { status: 200, body: { id } };
    }
    if (req.method === 'GET' && parts.length === 2) {
      const media = hosted.get(parts[1]);
      if (!media) return graphError(400, 100, 'Unsupported get request.');
      return {
        status: 200,
        body: {
          messaging_product: 'whatsapp',
          url: `${baseUrl}/media-download/${parts[1]}?ext=1`,
          mime_type: media.mimeType,
          sha256: createHash('sha256').update(media.bytes).digest('hex'),
          file_size: media.bytes.length,
          id: parts[1],
        },
      };
    }
    return graphError(400, 100, 'Unsupported request');
  }

  function notify(call: GraphCall): void {
    for (const w of [...waiters]) {
      if (!w.match(call)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(call);
    }
  }

  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const out = await handle(req, raw).catch((e: unknown) => graphError(500, 1, String(e)));
    if ('bytes' in out && out.bytes)
      return void res.writeHead(200, { 'content-type': out.type ?? 'application/octet-stream' }).end(out.bytes);
    res
      .writeHead(out.status, { 'content-type': 'application/json' })
      .end(out.body === undefined ? '' : JSON.stringify(out.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    graphApiBase: `${baseUrl}/${version}`,
    phoneNumberId,
    accessToken,
    sent,
    uploads,
    hostMedia(bytes, mimeType) {
      const id = String(Math.floor(Math.random() * 1e15));
      hosted.set(id, { bytes, mimeType });
      return id;
    },
    mediaObject(bytes, mimeType, extra = {}) {
      const id = String(Math.floor(Math.random() * 1e15));
      hosted.set(id, { bytes, mimeType: mimeType.split(';')[0].trim() });
      return {
        mime_type: mimeType,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        id,
        url: `${baseUrl}/media-download/${id}?ext=1`,
        ...extra,
      };
    },
    closeWindow(waId) {
      closed.add(waId);
    },
    waitForSent(match, timeoutMs = 5000) {
      const found = sent.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { match, resolve: (c: GraphCall) => (clearTimeout(timer), resolve(c)) };
        const timer = setTimeout(
          () => (
            waiters.splice(waiters.indexOf(w), 1),
            reject(new Error(`nothing matching sent; sent: ${JSON.stringify(sent.map((s) => s.body))}`))
          ),
          timeoutMs,
        );
        waiters.push(w);
      });
    },
    webhook(message, contact) {
      const waId = contact?.waId ?? String(message.from);
      return {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '102290129340398',
            changes: [
              {
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
                  contacts: [{ profile: { name: contact?.name ?? 'Test User' }, wa_id: waId }],
                  messages: [
                    {
                      timestamp: String(Math.floor(Date.now() / 1000)),
                      id: `wamid.${Buffer.from(randomUUID()).toString('base64url')}`,
                      ...message,
                    },
                  ],
                },
                field: 'messages',
              },
            ],
          },
        ],
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
