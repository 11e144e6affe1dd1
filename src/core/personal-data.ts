/**
 * Per-user export and deletion reach every place that stores something about a person through
 * this seam: each store that holds personal data (history, notes, reminders, pending pairings —
 * and per-conversation memory, or any later feature) offers one `PersonalDataSource`, and the
 * privacy service (src/privacy/user-data.ts) asks each of them.
 */

/** One kind of personal data, exported and deleted by user id (the sender id on a channel). */
export interface PersonalDataSource {
  /** The key of this source's part of an export and of a deletion report (`notes`, `memories`). */
  readonly name: string;
  /** Everything this source holds about the user, as JSON-serializable data. */
  export(userId: string): Promise<unknown>;
  /** Deletes everything this source holds about the user; returns how many records went. */
  delete(userId: string): Promise<number>;
}
