/**
 * Group commit for a synchronous SQLite connection: the writes asked for during one turn of the
 * event loop run in one transaction, committed on `setImmediate`, instead of one implicit
 * transaction (one WAL commit) each. Each caller's promise settles only after the commit, so an
 * awaited write is exactly as durable as before; a write that fails alone (a constraint) fails
 * its own caller and not the others in the batch. Reads that must see a pending write call
 * `flush()` first, which commits synchronously.
 */
import type { SqliteDatabase } from '../sqlite-driver.js';

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class WriteBatch {
  private queue: Pending[] = [];
  private scheduled?: NodeJS.Immediate;
  private readonly commit: (ops: Pending[]) => Array<{ ok: true; value: unknown } | { ok: false; err: unknown }>;

  constructor(
    private readonly db: SqliteDatabase,
    /**
     * Called after each batch with nothing pending (callers drop their pending marks); `failed`
     * when the batch rolled back, so side effects of its writes (a cache) must be undone.
     */
    private readonly onFlushed: (failed: boolean) => void = () => undefined,
  ) {
    this.commit = db.transaction((ops: Pending[]) =>
      ops.map((op) => {
        try {
          return { ok: true as const, value: op.run() };
        } catch (err) {
          // A statement error leaves the transaction open (SQLite rolls back that statement
          // only); an error that ended the transaction fails the whole batch.
          if (!this.db.inTransaction) throw err;
          return { ok: false as const, err };
        }
      }),
    );
  }

  /** Queues a write; resolves with its result once the batch holding it is committed. */
  run<T>(op: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: op, resolve: resolve as (v: unknown) => void, reject });
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Commits every queued write now (synchronously). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const ops = this.queue;
    if (ops.length === 0) return;
    this.queue = [];
    let results: ReturnType<WriteBatch['commit']>;
    try {
      results = this.commit(ops);
    } catch (err) {
      this.onFlushed(true);
      for (const op of ops) op.reject(err);
      return;
    }
    this.onFlushed(false);
    results.forEach((r, i) => (r.ok ? ops[i].resolve(r.value) : ops[i].reject(r.err)));
  }
}
