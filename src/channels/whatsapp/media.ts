/** Small pieces both WhatsApp transports share: blob file extensions and answered-once bookkeeping. */
import type { Attachment } from '../../core/message.js';

const byMime: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/aac': 'aac',
  'audio/amr': 'amr',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
};

/** A file extension for a blob key, from the file name or else the MIME type. */
export function mediaExtension(attachment: Pick<Attachment, 'fileName' | 'mimeType'>): string {
  const fromName = attachment.fileName && /\.([A-Za-z0-9]{1,8})$/.exec(attachment.fileName)?.[1];
  if (fromName) return fromName.toLowerCase();
  const mime = attachment.mimeType?.split(';')[0].trim() ?? '';
  return byMime[mime] ?? 'bin';
}

/** Remembers message ids for ten minutes so a redelivered webhook or event is handed on once. */
export class SeenIds {
  private readonly seen = new Map<string, number>();

  /** True when the id was already seen (and records it otherwise). */
  seenBefore(id: string): boolean {
    const now = Date.now();
    if (this.seen.size > 5000) for (const [k, at] of this.seen) if (now - at > 600_000) this.seen.delete(k);
    if (this.seen.has(id)) return true;
    this.seen.set(id, now);
    return false;
  }
}
