/**
 * Button values that do not fit the platform. Telegram keeps at most 64 bytes of `callback_data`
 * per button, Discord 100 characters of `custom_id`; a longer value is kept in the session store
 * and the button carries a short key to it, which `expandValue` turns back into the value.
 */
import { createHash } from 'node:crypto';
import type { SessionStore } from '../../core/stores.js';

/** What a button carries instead of a value that is kept in the store. */
const STORED_PREFIX = 'hearth:v:';
/** How long a long value is kept (a question may be answered days later). */
const STORED_TTL_MS = 30 * 86_400_000;

const storedKey = (channel: string, key: string) => `${channel}:button:${key}`;

/** The value itself when it fits in `limitBytes`, else a short key to a stored copy. */
export async function compactValue(
  value: string,
  opts: { channel: string; limitBytes: number; sessions: SessionStore | undefined },
): Promise<string> {
  if (Buffer.byteLength(value) <= opts.limitBytes && !value.startsWith(STORED_PREFIX)) return value;
  if (!opts.sessions) throw new Error('a long button value needs the session store');
  const key = createHash('sha256').update(value).digest('base64url').slice(0, 22);
  await opts.sessions.set(storedKey(opts.channel, key), value, STORED_TTL_MS);
  return `${STORED_PREFIX}${key}`;
}

/** The value a pressed button stands for (`undefined`: a stored value that is gone). */
export async function expandValue(
  data: string,
  opts: { channel: string; sessions: SessionStore },
): Promise<string | undefined> {
  if (!data.startsWith(STORED_PREFIX)) return data;
  return opts.sessions.get<string>(storedKey(opts.channel, data.slice(STORED_PREFIX.length)));
}
