/** Time-zone arithmetic with Intl only (no tz database package): offsets, wall-clock parsing, formatting. */

/** Throws a readable error for a name Intl does not know. */
export function checkZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    throw new Error(`unknown time zone "${zone}" (use IANA names like Europe/Paris)`);
  }
}

/** Offset of `zone` from UTC at instant `utcMs`, in milliseconds. */
export function zoneOffsetMs(utcMs: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/**
 * Reads a wall-clock time in `zone`: "2026-03-01 14:30", "2026-03-01T14:30:00" or "14:30" (today
 * there). Returns the UTC instant.
 */
export function parseWallClock(text: string, zone: string, now = Date.now()): number {
  const m = /^\s*(?:(\d{4})-(\d{2})-(\d{2})[ T])?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$/.exec(text);
  if (!m) throw new Error(`cannot read time "${text}": use "YYYY-MM-DD HH:MM" or "HH:MM"`);
  let [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!m[1]) {
    const today = new Date(now + zoneOffsetMs(now, zone));
    [y, mo, d] = [today.getUTCFullYear(), today.getUTCMonth() + 1, today.getUTCDate()];
  }
  const wall = Date.UTC(y, mo - 1, d, Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  // Date.UTC rolls over silently ("2026-13-45 99:99" is a date in 2027): refuse what does not exist.
  const back = new Date(wall);
  if (
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    back.getUTCHours() !== Number(m[4]) ||
    back.getUTCMinutes() !== Number(m[5]) ||
    back.getUTCSeconds() !== Number(m[6] ?? 0)
  ) {
    throw new Error(`no such time "${text.trim()}"`);
  }
  // Two passes settle the offset across a DST change.
  let utc = wall - zoneOffsetMs(wall, zone);
  utc = wall - zoneOffsetMs(utc, zone);
  return utc;
}

/** "Sunday, 1 March 2026, 14:30:00 CET" in the given zone. */
export function formatInZone(utcMs: number, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'full', timeStyle: 'long' }).format(
    new Date(utcMs),
  );
}
