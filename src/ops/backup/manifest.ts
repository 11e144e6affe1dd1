/**
 * The manifest at the head of every backup archive: what it holds and the SHA-256 of every member,
 * so `hearth backup verify` and `hearth restore` can prove an archive whole before trusting it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { z } from 'zod';

export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_FORMAT = 'hearth-backup/1';

const memberSchema = z.strictObject({
  /** Path inside the archive (`data/…`, `config/…`, `postgres/…`). */
  path: z.string().min(1),
  size: z.int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** `sqlite`: taken with SQLite's online backup API; `file`: copied; `pg_dump`: a PostgreSQL custom-format dump. */
  kind: z.enum(['sqlite', 'file', 'pg_dump']),
});
export type ManifestMember = z.infer<typeof memberSchema>;

export const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  createdAt: z.string(),
  hearthVersion: z.string(),
  history: z.strictObject({
    kind: z.enum(['sqlite', 'postgres', 'mongodb']),
    /** False for MongoDB: its history is not in the archive (use mongodump). */
    included: z.boolean(),
    /** PostgreSQL: the schema the dump holds. */
    schema: z.string().optional(),
  }),
  members: z.array(memberSchema),
  /**
   * Model files (`data/models/…`): kept once per content hash in the model cache beside the
   * archives (`model-cache/<sha256>`), so each backup copies only models no earlier one holds.
   */
  models: z.array(
    z.strictObject({ path: z.string().min(1), size: z.int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  ),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** SHA-256 (hex) and size of a file, read as a stream (model files are gigabytes). */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Parses manifest text; throws with the reason when it is not a Hearth backup manifest. */
export function parseManifest(text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('manifest.json is not valid JSON');
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `manifest.json is not a ${MANIFEST_FORMAT} manifest: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  return parsed.data;
}
