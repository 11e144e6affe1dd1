/**
 * PostgreSQL history in a backup: `pg_dump` of the schema Hearth's tables live in (the connection's
 * current schema) in custom format — one consistent snapshot while Hearth writes — and
 * `pg_restore` of it into an empty schema.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The schema the URL's connections use, where Hearth creates its tables: the first existing one of
 * the search_path, else (an emptied database) the first one named there.
 */
export function currentSchema(url: string): Promise<string> {
  return withClient(url, async (c) => {
    const row = (
      await c.query<{ s: string | null; p: string }>(
        "SELECT current_schema() AS s, current_setting('search_path') AS p",
      )
    ).rows[0]!;
    const named = row.p
      .split(',')
      .map((x) => x.trim().replace(/^"(.*)"$/, '$1'))
      .find((x) => x && x !== '$user');
    return row.s ?? named ?? 'public';
  });
}

/** How many rows the Hearth tables of the URL's schema hold (0 when they do not exist). */
export function hearthRowCount(url: string): Promise<number> {
  return withClient(url, async (c) => {
    const tables = await c.query<{ t: string }>(
      "SELECT quote_ident(table_name) AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'hearth_schema'",
    );
    let n = 0;
    for (const { t } of tables.rows)
      n += Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0]!.n);
    return n;
  });
}

/** Dumps the URL's current schema into `dest` (pg_dump custom format). */
export async function pgDump(url: string, dest: string): Promise<{ schema: string }> {
  const schema = await currentSchema(url);
  try {
    await run(
      'pg_dump',
      ['--format=custom', '--no-owner', '--no-acl', `--schema=${schema}`, `--file=${dest}`, `--dbname=${url}`],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr?.trim().split('\n')[0] ?? (err as Error).message;
    // No `cause`: the child-process error's message holds the command line, password included.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`pg_dump of ${redactUrl(url)} failed: ${detail.replaceAll(url, redactUrl(url))}`);
  }
  return { schema };
}

/**
 * Restores a dump into the URL's database. The schema is created when missing and left out of
 * the dump's own statements, so restoring into `public` (which always exists) works too. One
 * transaction: a failure leaves the database as it was.
 */
export async function pgRestore(url: string, dump: string, schema: string, workDir: string): Promise<void> {
  await withClient(url, (c) => c.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`));
  const fail = (err: unknown, what: string) => {
    const detail =
      (err as { stderr?: string }).stderr?.trim().split('\n').slice(0, 3).join(' ') ?? (err as Error).message;
    return new Error(`${what} into ${redactUrl(url)} failed: ${detail.replaceAll(url, redactUrl(url))}`);
  };
  let toc: string;
  try {
    toc = (await run('pg_restore', ['--list', dump], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    throw fail(err, 'pg_restore --list');
  }
  const list = join(workDir, 'restore.list');
  await writeFile(
    list,
    toc
      .split('\n')
      .filter((l) => !/^\d+;\s+\d+\s+\d+\s+SCHEMA\s/.test(l))
      .join('\n'),
  );
  try {
    await run(
      'pg_restore',
      [
        '--no-owner',
        '--no-acl',
        '--exit-on-error',
        '--single-transaction',
        `--use-list=${list}`,
        `--dbname=${url}`,
        dump,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    throw fail(err, 'pg_restore');
  }
}
