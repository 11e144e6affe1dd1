/**
 * How bus payloads sit in Redis stream entries: one JSON field. Entries that do not parse (written
 * by a foreign producer or a corrupted write) are reported, never retried forever.
 */
import type { Message, Outbound } from '../core/message.js';

export type StreamEntry = [id: string, fields: string[] | null];

/** The value of `name` in a flat `[field, value, …]` list. */
function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

export function decodeMessage(fields: string[]): Message | undefined {
  try {
    const m = JSON.parse(field(fields, 'm') ?? '') as Message;
    return typeof m?.id === 'string' && typeof m.channel === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

export function decodeOutbound(fields: string[]): Outbound | undefined {
  try {
    const o = JSON.parse(field(fields, 'o') ?? '') as Outbound;
    return o?.target && o.event ? o : undefined;
  } catch {
    return undefined;
  }
}
