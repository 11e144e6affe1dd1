/**
 * The room log in a SQLite file under the data folder (`<dataDir>/canvas.db`), so a backup of
 * the data folder carries every room. WAL mode: the gateway and an engine process on the same
 * folder can both write (SQLite serializes the writers; readers never wait).
 */
import * as Y from 'yjs';
import { openDatabase, type SqliteDatabase, type SqliteStatement } from '../storage/sqlite-driver.js';
import type { RoomLog, RoomRead } from './room-log.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS canvas_updates (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  room TEXT NOT NULL,
  data BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS canvas_updates_room ON canvas_updates (room, id);
CREATE TABLE IF NOT EXISTS canvas_snapshots (
  room TEXT PRIMARY KEY,
  data BLOB NOT NULL,
  upto INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
`;

interface Snapshot {
  data: Buffer;
  upto: number;
}

export class SqliteRoomLog implements RoomLog {
  private readonly db: SqliteDatabase;
  private readonly stmt: Record<
    'insert' | 'snapshot' | 'updatesAfter' | 'logBytes' | 'count' | 'putSnapshot' | 'deleteUpTo' | 'lastId',
    SqliteStatement
  >;

  constructor(file: string) {
    this.db = openDatabase(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Another process may hold the write lock for a moment (compaction); wait rather than fail.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.stmt = {
      insert: this.db.prepare('INSERT INTO canvas_updates (room, data, created_at) VALUES (?, ?, ?)'),
      snapshot: this.db.prepare('SELECT data, upto FROM canvas_snapshots WHERE room = ?'),
      updatesAfter: this.db.prepare('SELECT id, data FROM canvas_updates WHERE room = ? AND id > ? ORDER BY id'),
      logBytes: this.db.prepare('SELECT COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM canvas_updates WHERE room = ?'),
      count: this.db.prepare('SELECT COUNT(*) AS n FROM canvas_updates WHERE room = ?'),
      putSnapshot: this.db.prepare(
        'INSERT INTO canvas_snapshots (room, data, upto, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (room) DO UPDATE SET data = excluded.data, upto = excluded.upto, updated_at = excluded.updated_at',
      ),
      deleteUpTo: this.db.prepare('DELETE FROM canvas_updates WHERE room = ? AND id <= ?'),
      lastId: this.db.prepare('SELECT MAX(id) AS id FROM canvas_updates WHERE room = ?'),
    };
  }

  append(room: string, updates: readonly Uint8Array[]): number {
    let last = 0;
    const now = Date.now();
    this.db.transaction(() => {
      for (const u of updates)
        last = Number(
          this.stmt.insert.run(room, Buffer.from(u.buffer, u.byteOffset, u.byteLength), now).lastInsertRowid,
        );
    })();
    return last;
  }

  load(room: string): RoomRead {
    return this.since(room, 0);
  }

  since(room: string, afterId: number): RoomRead {
    // One read transaction: a compaction in another process cannot slip between the two reads.
    return this.db.transaction((): RoomRead => {
      const snap = this.stmt.snapshot.get(room) as Snapshot | undefined;
      const updates: Uint8Array[] = [];
      let from = afterId;
      let lastId = afterId;
      if (snap && snap.upto > afterId) {
        updates.push(new Uint8Array(snap.data));
        from = snap.upto;
        lastId = snap.upto;
      }
      for (const row of this.stmt.updatesAfter.iterate(room, from) as Iterable<{ id: number; data: Buffer }>) {
        updates.push(new Uint8Array(row.data));
        lastId = row.id;
      }
      return { updates, lastId, bytes: this.bytes(room, snap) };
    })();
  }

  pendingEntries(room: string): number {
    return (this.stmt.count.get(room) as { n: number }).n;
  }

  compact(room: string): void {
    // IMMEDIATE: take the write lock first, so no append lands between the read and the delete.
    this.db
      .transaction(() => {
        const snap = this.stmt.snapshot.get(room) as Snapshot | undefined;
        const upto = (this.stmt.lastId.get(room) as { id: number | null }).id;
        if (upto === null) return;
        // A fresh document with garbage collection on: deleted content is dropped, only its ids stay.
        const doc = new Y.Doc({ gc: true });
        try {
          if (snap) Y.applyUpdate(doc, new Uint8Array(snap.data));
          for (const row of this.stmt.updatesAfter.iterate(room, snap?.upto ?? 0) as Iterable<{ data: Buffer }>)
            Y.applyUpdate(doc, new Uint8Array(row.data));
          this.stmt.putSnapshot.run(room, Buffer.from(Y.encodeStateAsUpdate(doc)), upto, Date.now());
          this.stmt.deleteUpTo.run(room, upto);
        } finally {
          doc.destroy();
        }
      })
      .immediate();
  }

  rooms(): Array<{ room: string; bytes: number; updatedAt: number }> {
    return this.db
      .prepare(
        `SELECT room, SUM(bytes) AS bytes, MAX(at) AS updatedAt FROM (
           SELECT room, LENGTH(data) AS bytes, updated_at AS at FROM canvas_snapshots
           UNION ALL SELECT room, LENGTH(data), created_at FROM canvas_updates
         ) GROUP BY room ORDER BY updatedAt DESC`,
      )
      .all() as Array<{ room: string; bytes: number; updatedAt: number }>;
  }

  close(): void {
    this.db.close();
  }

  private bytes(room: string, snap: Snapshot | undefined): number {
    return (snap?.data.length ?? 0) + (this.stmt.logBytes.get(room) as { bytes: number }).bytes;
  }
}
