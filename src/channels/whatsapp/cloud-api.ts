/**
 * The few WhatsApp Cloud API (Graph API) calls Hearth makes: send messages, mark read with a
 * typing indicator, upload media, and download inbound media by id. Graph errors become
 * `HearthError`s; the 24-hour-window error gets its own code and a message that says what to do.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, HearthError } from '../../core/errors.js';
import { readCapped } from '../shared/download.js';

export interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { messaging_product?: string; details?: string };
  fbtrace_id?: string;
}

/** Graph error codes meaning "outside the customer service window" (131047: re-engagement message). */
const WINDOW_CLOSED_CODES = new Set([131047]);

/** Turns a Graph error body into a HearthError with a user-safe message. */
export function graphFailure(status: number, error: GraphError | undefined): HearthError {
  const code = error?.code;
  if (code !== undefined && WINDOW_CLOSED_CODES.has(code)) {
    return new HearthError(
      ErrorCode.outsideWindow,
      'WhatsApp: more than 24 hours have passed since the user last wrote, so only approved template messages can be sent until they write again (Graph error 131047)',
      409,
    );
  }
  const detail = error?.error_data?.details ?? error?.message ?? `HTTP ${status}`;
  return new HearthError(
    ErrorCode.channel,
    `WhatsApp Cloud API error${code !== undefined ? ` ${code}` : ''}: ${detail}`,
    502,
  );
}

export interface CloudApiOptions {
  graphApiBase: string;
  phoneNumberId: string;
  accessToken: string;
  /** Largest media download; unlimited when absent. */
  maxMediaBytes?: number;
}

export class CloudApi {
  private readonly base: string;

  constructor(private readonly options: CloudApiOptions) {
    this.base = options.graphApiBase.replace(/\/+$/, '');
  }

  /** POST /{phone-number-id}/messages; returns the new message id (wamid). */
  async sendMessage(to: string, content: Record<string, unknown>): Promise<string | undefined> {
    const body = await this.call(`/${this.options.phoneNumberId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to, ...content }),
    });
    return (body as { messages?: Array<{ id: string }> }).messages?.[0]?.id;
  }

  /** Marks an inbound message read (blue ticks) and shows "typing…" until the answer is sent. */
  async markReadTyping(messageId: string): Promise<void> {
    await this.call(`/${this.options.phoneNumberId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: messageId,
        typing_indicator: { type: 'text' },
      }),
    });
  }

  /** POST /{phone-number-id}/media (multipart); returns the media id to send. */
  async uploadMedia(data: Buffer, mimeType: string, fileName: string): Promise<string> {
    const form = new FormData();
    form.append('messaging_product', 'whatsapp');
    form.append('type', mimeType);
    form.append('file', new Blob([new Uint8Array(data)], { type: mimeType }), fileName);
    const body = await this.call(`/${this.options.phoneNumberId}/media`, { method: 'POST', body: form });
    const id = (body as { id?: string }).id;
    if (!id) throw new HearthError(ErrorCode.channel, 'WhatsApp Cloud API: media upload returned no id', 502);
    return id;
  }

  /**
   * GET /{media-id} for the short-lived URL, then GET that URL with the token. The token only goes
   * to Meta hosts or the configured Graph host; the bytes are checked against the sha256 Meta sent.
   */
  async downloadMedia(mediaId: string): Promise<{ data: Buffer; mimeType?: string }> {
    const info = (await this.call(`/${encodeURIComponent(mediaId)}`, { method: 'GET' })) as {
      url?: string;
      mime_type?: string;
      sha256?: string;
    };
    if (!info.url) throw new HearthError(ErrorCode.download, 'WhatsApp media lookup returned no url', 502);
    if (!this.mayCarryToken(info.url))
      throw new HearthError(ErrorCode.download, 'WhatsApp media URL is not on a Meta host', 502);
    const res = await fetch(info.url, { headers: { authorization: `Bearer ${this.options.accessToken}` } });
    if (!res.ok) throw new HearthError(ErrorCode.download, `WhatsApp media download answered HTTP ${res.status}`, 502);
    const data = await readCapped(res, this.options.maxMediaBytes ?? Number.MAX_SAFE_INTEGER);
    if (info.sha256 && createHash('sha256').update(data).digest('hex') !== info.sha256) {
      throw new HearthError(ErrorCode.checksum, 'WhatsApp media failed its sha256 check', 502);
    }
    return { data, mimeType: info.mime_type };
  }

  private mayCarryToken(url: string): boolean {
    try {
      const u = new URL(url);
      if (u.origin === new URL(this.base).origin) return true;
      return u.protocol === 'https:' && /(^|\.)(fbsbx\.com|facebook\.com|whatsapp\.net|fbcdn\.net)$/.test(u.hostname);
    } catch {
      return false;
    }
  }

  private async call(path: string, init: RequestInit): Promise<unknown> {
    const res = await fetch(this.base + path, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string> | undefined),
        authorization: `Bearer ${this.options.accessToken}`,
      },
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = {};
    }
    if (!res.ok) throw graphFailure(res.status, (body as { error?: GraphError }).error);
    return body;
  }
}
