/**
 * Which backups to keep: the newest of each of the last `keepDaily` days that have a backup, and
 * the newest of each of the last `keepWeekly` ISO weeks that have one (UTC, as archive names are).
 * The newest backup is always kept. Pure, so the policy is tested without clocks or files.
 */
export interface DatedBackup {
  name: string;
  at: Date;
}

/** ISO-8601 week of a UTC date, as `2026-W49`. */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day); // the Thursday of this week decides its year
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

function newestPer(backups: DatedBackup[], bucket: (d: Date) => string, keep: number): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const b of backups) {
    const k = bucket(b.at);
    if (seen.has(k)) continue;
    if (seen.size >= keep) break;
    seen.add(k);
    kept.push(b.name);
  }
  return kept;
}

/** The names to delete under the policy. */
export function expiredBackups(backups: DatedBackup[], keepDaily: number, keepWeekly: number): string[] {
  const newestFirst = [...backups].sort((a, b) => b.at.getTime() - a.at.getTime());
  const keep = new Set<string>([
    ...newestFirst.slice(0, 1).map((b) => b.name),
    ...newestPer(newestFirst, (d) => d.toISOString().slice(0, 10), keepDaily),
    ...newestPer(newestFirst, isoWeek, keepWeekly),
  ]);
  return newestFirst.filter((b) => !keep.has(b.name)).map((b) => b.name);
}
