/**
 * Inbound Slack files: downloaded with the bot token from `url_private_download` and stored in the
 * BlobStore. The token is only ever sent to Slack's own hosts (or the configured API host).
 */
import type { Attachment } from '../../core/message.js';
import type { BlobStore } from '../../core/stores.js';
import { readCapped } from '../shared/download.js';

/** Whether a file URL may receive the bot token. */
export function mayCarryToken(fileUrl: string, apiUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(fileUrl);
  } catch {
    return false;
  }
  if (url.origin === new URL(apiUrl).origin) return true;
  return (
    url.protocol === 'https:' &&
    (url.hostname === 'files.slack.com' ||
      url.hostname.endsWith('.slack.com') ||
      url.hostname.endsWith('.slack-edge.com'))
  );
}

function extension(attachment: Attachment): string {
  const fromName = attachment.fileName && /\.([A-Za-z0-9]{1,8})$/.exec(attachment.fileName)?.[1];
  if (fromName) return fromName.toLowerCase();
  const fromMime = attachment.mimeType?.split('/')[1]?.split(/[;+]/)[0];
  return fromMime && /^[a-z0-9.-]{1,12}$/.test(fromMime) ? fromMime : 'bin';
}

/**
 * Downloads one file and stores it under `media/slack/<fileId>.<ext>`; returns the attachment with
 * `blobKey` set (and the platform URL dropped, since it is useless without the token).
 */
export async function storeSlackFile(
  attachment: Attachment,
  fileId: string,
  opts: { botToken: string; apiUrl: string; blobs: BlobStore; maxBytes: number },
): Promise<Attachment> {
  if (!attachment.url) throw new Error('file has no download URL');
  if (!mayCarryToken(attachment.url, opts.apiUrl)) throw new Error('file URL is not on a Slack host');
  const res = await fetch(attachment.url, {
    headers: { authorization: `Bearer ${opts.botToken}` },
    redirect: 'follow',
  });
  if (!res.ok) throw new Error(`download answered HTTP ${res.status}`);
  // Without a valid token Slack answers 200 with its login page instead of the file.
  if (
    (res.headers.get('content-type') ?? '').startsWith('text/html') &&
    !attachment.mimeType?.startsWith('text/html')
  ) {
    throw new Error('download returned an HTML page (token lacks files:read?)');
  }
  const data = await readCapped(res, opts.maxBytes);
  const key = `media/slack/${fileId.replace(/[^A-Za-z0-9_-]/g, '')}.${extension(attachment)}`;
  const meta = await opts.blobs.put(key, data, { mimeType: attachment.mimeType, fileName: attachment.fileName });
  return { ...attachment, url: undefined, blobKey: key, size: meta.size };
}
