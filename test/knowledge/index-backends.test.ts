/** Runs the KnowledgeIndex contract on SQLite FTS5 and on a real PostgreSQL (127.0.0.1:5432, or HEARTH_TEST_POSTGRES_URL). */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PostgresKnowledgeIndex } from '../../src/knowledge/index/postgres.js';
import { SqliteKnowledgeIndex } from '../../src/knowledge/index/sqlite.js';
import { POSTGRES_URL } from '../storage/backend-urls.js';
import { knowledgeIndexContract } from './index-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-kb-index-'));
knowledgeIndexContract('sqlite (FTS5, BM25)', {
  create: async () => new SqliteKnowledgeIndex(join(dir, 'knowledge.db')),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});

const schema = `hearth_kb_${randomBytes(4).toString('hex')}`;
knowledgeIndexContract('postgres (full-text search)', {
  create: async () => new PostgresKnowledgeIndex({ url: POSTGRES_URL, schema }),
  cleanup: async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  },
});
