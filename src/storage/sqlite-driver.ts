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
