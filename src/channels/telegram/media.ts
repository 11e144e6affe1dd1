/**
 * Inbound media: resolves a `file_id` with getFile and downloads the bytes from the Bot API's file
 * endpoint (`<apiRoot>/file/bot<token>/<file_path>`) into the BlobStore.
 */
import type { Api } from 'grammy';
import type { BlobStore } from '../../core/stores.js';
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { MediaToFetch } from './inbound.js';
import { readCapped } from '../shared/download.js';

/** Downloads one file and stores it; sets `blobKey` (and size) on the attachment. */
export async function fetchMedia(
  item: MediaToFetch,
  deps: { api: Api; apiRoot: string; token: string; blobs: BlobStore; maxBytes: number },
): Promise<void> {
  const file = await deps.api.getFile(item.fileId);
  if (!file.file_path)
    throw new HearthError(ErrorCode.download, 'Telegram returned no file_path (file too big for the Bot API?)');
  const url = `${deps.apiRoot.replace(/\/+$/, '')}/file/bot${deps.token}/${file.file_path}`;
  const response = await fetch(url);
  // The URL holds the token: never put it in the error.
  if (!response.ok)
    throw new HearthError(ErrorCode.download, `Telegram file download failed with HTTP ${response.status}`);
  const bytes = await readCapped(response, deps.maxBytes);
  const fileName = item.attachment.fileName ?? file.file_path.split('/').pop();
  const meta = await deps.blobs.put(item.blobKey, bytes, { mimeType: item.attachment.mimeType, fileName });
  item.attachment.blobKey = item.blobKey;
  item.attachment.size = meta.size;
}
