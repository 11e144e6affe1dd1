/** Reads whole SQLite databases and data folders for backup comparisons. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from '../../../src/storage/sqlite-driver.js';

/** Every row of every table, by table name, in rowid order (or full-row order for WITHOUT ROWID tables). */
export function dumpSqlite(file: string): Record<string, string[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as Array<{ name: string }>;
    const out: Record<string, string[]> = {};
    for (const { name } of tables) {
      const rows = db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`).all();
      out[name] = rows
        .map((r) =>
          JSON.stringify(r, (_k, v) =>
            Buffer.isBuffer(v) ? v.toString('base64') : typeof v === 'bigint' ? String(v) : v,
          ),
        )
        .sort();
    }
    return out;
  } finally {
    db.close();
  }
}

/** Relative paths of the regular files under `dir`, without SQLite's -wal/-shm companions. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && !/-(wal|shm)$/.test(name)) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** True when the file is a SQLite database. */
export function isSqliteFile(file: string): boolean {
  return readFileSync(file).subarray(0, 16).toString('latin1') === 'SQLite format 3\0';
}
