/**
 * Runs the HistoryStore contract against SQLite (also behind the body-encrypting wrapper), a real PostgreSQL (127.0.0.1:5432, or
 * HEARTH_TEST_POSTGRES_URL) and the official MongoDB driver talking to the wire-compatible fake.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SqliteHistoryStore } from '../../src/storage/history/sqlite.js';
import { PostgresHistoryStore } from '../../src/storage/history/postgres.js';
import { MongoHistoryStore } from '../../src/storage/history/mongo.js';
import { EncryptingHistoryStore } from '../../src/storage/history/encrypted.js';
import { FieldCipher } from '../../src/security/field-cipher.js';
import { valueCipher } from '../../src/security/value-cipher.js';
import { startMongoFake, type MongoFake } from '../fakes/mongo-server.js';
import { historyContract } from './history-contract.js';

import { POSTGRES_URL } from './backend-urls.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-history-'));
historyContract('sqlite', {
  create: async () => new SqliteHistoryStore(join(dir, 'h.db')),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});

// The wrapper that encrypts message bodies (security.encryptMessageBodies) keeps the same contract.
const encryptedDir = mkdtempSync(join(tmpdir(), 'hearth-history-enc-'));
historyContract('sqlite with encrypted bodies', {
  create: async () =>
    new EncryptingHistoryStore(
      new SqliteHistoryStore(join(encryptedDir, 'h.db')),
      valueCipher(FieldCipher.open(join(encryptedDir, 'keyring.json'), Buffer.alloc(32, 7))),
    ),
  cleanup: async () => rmSync(encryptedDir, { recursive: true, force: true }),
});

const schema = `hearth_test_${randomBytes(4).toString('hex')}`;
historyContract('postgres', {
  create: async () => new PostgresHistoryStore({ url: POSTGRES_URL, schema }),
  cleanup: async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  },
});

let mongo: MongoFake;
historyContract('mongodb (official driver, wire-compatible fake)', {
  create: async () => {
    mongo = await startMongoFake();
    return new MongoHistoryStore({ url: mongo.url, database: 'hearth_test' });
  },
  cleanup: async () => mongo.close(),
});
