/**
 * The committed, frozen databases of the first schema version (test/fixtures/), loaded for the
 * upgrade tests. They are never rebuilt from today's migration code: a test that rebuilt them would
 * prove only that today's code reads what today's code writes.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT } from '../harness.js';

const FIXTURES = join(ROOT, 'test', 'fixtures');

/** Copies the first-schema SQLite history database to `file`. */
export function sqlitePreviousRelease(file: string): void {
  copyFileSync(join(FIXTURES, 'history-v1.sqlite'), file);
}

/**
 * Creates a fresh PostgreSQL database holding the first-schema dump; returns its URL and a function
 * that drops it. `serverUrl` names the server (any database on it).
 */
export async function postgresPreviousRelease(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `hearth_prev_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // psql meta-commands (`\restrict`) are not SQL; everything else is run as written.
  const dump = readFileSync(join(FIXTURES, 'history-v1.postgres.sql'), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('\\'))
    .join('\n');
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  try {
    await client.query(dump);
  } finally {
    await client.end();
  }
  return {
    url: url.href,
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
