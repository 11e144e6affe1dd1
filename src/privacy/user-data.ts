/**
 * Per-user export and deletion across everything Hearth stores about a person: their turns in
 * every conversation (in a group only theirs and the replies to them), the files they sent (blobs),
 * usage rows, approved-sender entries, the per-conversation memories their turns saved and the
 * summaries of conversations only they wrote in (both in the history store), and every registered
 * `PersonalDataSource` (notes, reminders, pending pairings…). The admin API and `hearth history`
 * both go through here, so the two can never cover different data.
 */
import type { PersonalDataSource } from '../core/personal-data.js';
import type { BlobStore, HistoryStore, UserHistory, UserHistoryDeletion } from '../core/stores.js';

/** One stored file of the user's, with its bytes (base64). */
export interface ExportedBlob {
  key: string;
  mimeType?: string;
  fileName?: string;
  size: number;
  base64: string;
}

export interface UserExport extends UserHistory {
  userId: string;
  exportedAt: string;
  /** The files attached to the exported turns that are still stored. */
  blobs: ExportedBlob[];
  /** Each registered source's part, by its name. */
  [source: string]: unknown;
}

export interface UserDeletion extends UserHistoryDeletion {
  blobs: number;
  /** Each registered source's count, by its name. */
  [source: string]: number;
}

export class UserData {
  private readonly sources: PersonalDataSource[] = [];

  constructor(
    private readonly history: HistoryStore,
    private readonly blobs: BlobStore,
    sources: readonly PersonalDataSource[] = [],
    private readonly now: () => Date = () => new Date(),
  ) {
    for (const s of sources) this.register(s);
  }

  /**
   * Adds a store of personal data (a feature that keeps something per user calls this once at
   * start: a skill's own records). Its name must be new.
   */
  register(source: PersonalDataSource): void {
    const taken = [
      'userId',
      'exportedAt',
      'blobs',
      'conversations',
      'messages',
      'usage',
      'approvedSenders',
      'memories',
      'summaries',
    ];
    if (taken.includes(source.name) || this.sources.some((s) => s.name === source.name))
      throw new Error(`personal data source "${source.name}" is already registered`);
    this.sources.push(source);
  }

  /** Everything stored about the user. */
  async export(userId: string): Promise<UserExport> {
    const history = await this.history.exportUser(userId);
    const blobs: ExportedBlob[] = [];
    for (const key of blobKeys(history)) {
      const data = await this.blobs.get(key);
      if (!data) continue;
      const meta = await this.blobs.head(key);
      blobs.push({
        key,
        ...(meta?.mimeType ? { mimeType: meta.mimeType } : {}),
        ...(meta?.fileName ? { fileName: meta.fileName } : {}),
        size: data.length,
        base64: data.toString('base64'),
      });
    }
    const out: UserExport = { userId, exportedAt: this.now().toISOString(), ...history, blobs };
    for (const s of this.sources) out[s.name] = await s.export(userId);
    return out;
  }

  /**
   * Deletes everything stored about the user. Files first, the history rows naming them last, so
   * an interrupted deletion is finished by running it again (nothing is left unreferenced).
   */
  async delete(userId: string): Promise<UserDeletion> {
    const keys = blobKeys(await this.history.exportUser(userId));
    for (const key of keys) await this.blobs.delete(key);
    const counts: Record<string, number> = {};
    for (const s of this.sources) counts[s.name] = await s.delete(userId);
    const history = await this.history.deleteUser(userId);
    return { ...history, blobs: keys.length, ...counts };
  }
}

function blobKeys(history: UserHistory): string[] {
  const keys = history.messages.flatMap((m) => m.attachments.flatMap((a) => (a.blobKey ? [a.blobKey] : [])));
  return [...new Set(keys)];
}
