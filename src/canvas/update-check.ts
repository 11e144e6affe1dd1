/**
 * What the server accepts from a peer before it touches the room: a Yjs update that decodes
 * completely, is not too large, and writes only into the room's known root type. Yjs itself would
 * integrate anything (a peer may invent root types at will); checking first keeps a malformed or
 * hostile update from reaching the room, its log and the other clients.
 */
import * as Y from 'yjs';
import { ROOT_TYPES } from './model/elements.js';

export type UpdateVerdict =
  { ok: true; empty: boolean } | { ok: false; reason: 'malformed' | 'too-large' | 'foreign-root'; detail: string };

export function checkUpdate(update: Uint8Array, maxBytes: number): UpdateVerdict {
  if (update.byteLength > maxBytes)
    return { ok: false, reason: 'too-large', detail: `${update.byteLength} bytes, limit ${maxBytes}` };
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch (err) {
    return { ok: false, reason: 'malformed', detail: (err as Error).message };
  }
  for (const struct of decoded.structs) {
    // An item names its parent by root-type name only when it sits directly in a root type.
    const parent: unknown = struct instanceof Y.Item ? struct.parent : null;
    if (typeof parent === 'string' && !ROOT_TYPES.includes(parent))
      return { ok: false, reason: 'foreign-root', detail: `root type "${parent.slice(0, 40)}"` };
  }
  return { ok: true, empty: decoded.structs.length === 0 && decoded.ds.clients.size === 0 };
}
