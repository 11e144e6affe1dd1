/**
 * better-sqlite3 in the major that is safe on the running Node: 12.x on Node 20 (13.x crashes
 * there), 13.x on Node 22 and later (12.x aborts the process on Node 24 when a statement is
 * finalized after Node's environment is gone — at exit, and in GC during teardown). Both majors
 * have the same API; 13.x ships prebuilt binaries, 12.x is built from source at install.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const major = Number(process.versions.node.split('.')[0]);

/** The `Database` constructor of the chosen better-sqlite3. */
const Database = require(major >= 22 ? 'better-sqlite3-v13' : 'better-sqlite3') as typeof BetterSqlite3;
export default Database;

export type SqliteDatabase = BetterSqlite3.Database;
export type SqliteStatement = BetterSqlite3.Statement;

/**
 * SQLite's page cache per connection, KiB. better-sqlite3 builds SQLite with a 16 MB cache
 * (`SQLITE_DEFAULT_CACHE_SIZE=-16000` in its deps/defines.gypi; SQLite's own default is 2 MB), and a
 * connection keeps the pages it read or wrote until it closes. The history database grows with
 * every turn, so after a load its connection held up to 16 MB of malloc'd pages that no collection
 * gives back: measured on `hearth start` after 15 s at c=32, the main heap (brk) stayed at 25 MB
 * with the default and 8 MB with this bound (bench/README.md, "Where memory goes").
 */
export const PAGE_CACHE_KIB = 2048;

/** Opens `file` with the page cache bounded to {@link PAGE_CACHE_KIB}; each store sets its own other pragmas. */
export function openDatabase(file: string, options?: BetterSqlite3.Options): SqliteDatabase {
  const db = new Database(file, options);
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  return db;
}
