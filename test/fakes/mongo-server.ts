/**
 * A MongoDB-wire-compatible test server: enough of MongoDB for the official `mongodb` driver to run
 * Hearth's history store against it. It speaks the real wire protocol — the legacy OP_QUERY `hello`
 * the driver opens a connection with, then OP_MSG (body and document-sequence sections) — encodes
 * with the driver's own BSON, and evaluates filters, updates, sorts, projections and aggregation
 * pipelines with `mingo`. Collections live in memory; `_id` is unique (duplicate key error 11000,
 * as MongoDB reports it). Other indexes are accepted and ignored.
 *
 * What it proves: the store's commands, filters, update operators, sorts and pipelines are valid
 * and mean what the store expects, through the real driver and wire format. What only a real
 * MongoDB proves: index behaviour and performance, secondary unique indexes, concurrency and write
 * concerns, replica-set failover, and every operator mingo implements differently.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { BSON, Long } from 'mongodb';
import { Aggregator, find, update } from 'mingo';
import type { Json } from '../json.js';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

type Doc = Record<string, Json>;

export interface MongoFake {
  url: string;
  /** Collections by `db.collection`. */
  data: Map<string, Doc[]>;
  /** Command names received, in order (for tests that assert the wire traffic). */
  commands: string[];
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 (port 0 = a free one). */
export async function startMongoFake(port = 0): Promise<MongoFake> {
  const data = new Map<string, Doc[]>();
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  let connectionId = 0;
  let requestId = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const conn = ++connectionId;
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 16 && buf.length >= buf.readInt32LE(0)) {
        const frame = buf.subarray(0, buf.readInt32LE(0));
        buf = buf.subarray(frame.length);
        const reply = handleFrame(frame, conn);
        if (reply) socket.write(reply);
      }
    });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  });

  function handleFrame(frame: Buffer, conn: number): Buffer | undefined {
    const reqId = frame.readInt32LE(4);
    const opCode = frame.readInt32LE(12);
    if (opCode === OP_QUERY) {
      let p = 20;
      const nsEnd = frame.indexOf(0, p);
      const ns = frame.toString('utf8', p, nsEnd);
      p = nsEnd + 1 + 8; // numberToSkip, numberToReturn
      const query = BSON.deserialize(frame.subarray(p, p + frame.readInt32LE(p)));
      const db = ns.split('.')[0];
      return opReply(reqId, run(db, query.$query ?? query, conn));
    }
    if (opCode !== OP_MSG) return undefined;
    const flags = frame.readUInt32LE(16);
    const end = flags & 1 ? frame.length - 4 : frame.length;
    let p = 20;
    let body: Doc = {};
    while (p < end) {
      const kind = frame[p++];
      if (kind === 0) {
        const size = frame.readInt32LE(p);
        body = BSON.deserialize(frame.subarray(p, p + size));
        p += size;
      } else {
        const size = frame.readInt32LE(p);
        const sectionEnd = p + size;
        const idEnd = frame.indexOf(0, p + 4);
        const id = frame.toString('utf8', p + 4, idEnd);
        const docs: Doc[] = [];
        for (let q = idEnd + 1; q < sectionEnd; q += frame.readInt32LE(q))
          docs.push(BSON.deserialize(frame.subarray(q, q + frame.readInt32LE(q))));
        body[id] = docs;
        p = sectionEnd;
      }
    }
    if (flags & 2) return undefined; // moreToCome: the client wants no answer (unacknowledged write)
    return opMsg(reqId, run(body.$db ?? 'admin', body, conn));
  }

  function opReply(responseTo: number, doc: Doc): Buffer {
    const bson = BSON.serialize(doc);
    const head = Buffer.alloc(36);
    head.writeInt32LE(36 + bson.length, 0);
    head.writeInt32LE(++requestId, 4);
    head.writeInt32LE(responseTo, 8);
    head.writeInt32LE(OP_REPLY, 12);
    head.writeInt32LE(0, 16); // responseFlags
    head.writeBigInt64LE(0n, 20); // cursorID
    head.writeInt32LE(0, 28); // startingFrom
    head.writeInt32LE(1, 32); // numberReturned
    return Buffer.concat([head, bson]);
  }

  function opMsg(responseTo: number, doc: Doc): Buffer {
    const bson = BSON.serialize(doc);
    const head = Buffer.alloc(21);
    head.writeInt32LE(21 + bson.length, 0);
    head.writeInt32LE(++requestId, 4);
    head.writeInt32LE(responseTo, 8);
    head.writeInt32LE(OP_MSG, 12);
    head.writeUInt32LE(0, 16);
    head[20] = 0;
    return Buffer.concat([head, bson]);
  }

  function coll(db: string, name: string): Doc[] {
    const key = `${db}.${name}`;
    let c = data.get(key);
    if (!c) data.set(key, (c = []));
    return c;
  }

  function cursorReply(db: string, name: string, docs: Doc[]): Doc {
    return { cursor: { firstBatch: docs, id: Long.fromNumber(0), ns: `${db}.${name}` }, ok: 1 };
  }

  function run(db: string, cmd: Doc, conn: number): Doc {
    const name = Object.keys(cmd)[0];
    commands.push(name);
    try {
      switch (name) {
        case 'hello':
        case 'ismaster':
        case 'isMaster':
          return {
            helloOk: true,
            ismaster: true,
            isWritablePrimary: true,
            maxBsonObjectSize: 16 * 1024 * 1024,
            maxMessageSizeBytes: 48_000_000,
            maxWriteBatchSize: 100_000,
            localTime: new Date(),
            logicalSessionTimeoutMinutes: 30,
            connectionId: conn,
            minWireVersion: 0,
            maxWireVersion: 17,
            readOnly: false,
            ok: 1,
          };
        case 'ping':
        case 'endSessions':
        case 'killCursors':
          return { ok: 1 };
        case 'buildInfo':
        case 'buildinfo':
          return { version: '6.0.0-fake', versionArray: [6, 0, 0, 0], ok: 1 };
        case 'insert':
          return insert(coll(db, cmd.insert), cmd.documents ?? []);
        case 'find': {
          let cursor = find(coll(db, cmd.find), cmd.filter ?? {}, cmd.projection);
          if (cmd.sort) cursor = cursor.sort(cmd.sort);
          if (cmd.skip) cursor = cursor.skip(cmd.skip);
          if (cmd.limit) cursor = cursor.limit(Math.abs(cmd.limit));
          return cursorReply(db, cmd.find, structuredBson(cursor.all() as Doc[]));
        }
        case 'aggregate':
          return cursorReply(
            db,
            cmd.aggregate,
            structuredBson(new Aggregator(cmd.pipeline).run(coll(db, cmd.aggregate)) as Doc[]),
          );
        case 'update':
          return updateDocs(coll(db, cmd.update), cmd.updates ?? []);
        case 'delete':
          return deleteDocs(coll(db, cmd.delete), cmd.deletes ?? []);
        case 'createIndexes':
          return {
            numIndexesBefore: 1,
            numIndexesAfter: 1 + (cmd.indexes?.length ?? 0),
            createdCollectionAutomatically: false,
            ok: 1,
          };
        case 'drop':
          data.delete(`${db}.${cmd.drop}`);
          return { ok: 1 };
        case 'dropDatabase':
          for (const k of [...data.keys()]) if (k.startsWith(`${db}.`)) data.delete(k);
          return { ok: 1 };
        default:
          return { ok: 0, errmsg: `no such command: '${name}'`, code: 59, codeName: 'CommandNotFound' };
      }
    } catch (err) {
      return { ok: 0, errmsg: (err as Error).message, code: 2, codeName: 'BadValue' };
    }
  }

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `mongodb://127.0.0.1:${bound}/?directConnection=true`,
    data,
    commands,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Copies documents through BSON so a reply never shares objects with the stored ones. */
function structuredBson(docs: Doc[]): Doc[] {
  return docs.map((d) => BSON.deserialize(BSON.serialize(d)));
}

function sameId(a: unknown, b: unknown): boolean {
  return Buffer.from(BSON.serialize({ v: a })).equals(BSON.serialize({ v: b }));
}

function insert(c: Doc[], docs: Doc[]): Doc {
  const writeErrors: Doc[] = [];
  let n = 0;
  docs.forEach((d, index) => {
    if (c.some((x) => sameId(x._id, d._id))) {
      writeErrors.push({
        index,
        code: 11000,
        errmsg: `E11000 duplicate key error collection index: _id_ dup key: { _id: ${JSON.stringify(d._id)} }`,
      });
    } else {
      c.push(d);
      n++;
    }
  });
  return writeErrors.length ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
}

function updateDocs(c: Doc[], updates: Doc[]): Doc {
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  updates.forEach((u, index) => {
    const { $setOnInsert, ...modifier } = u.u as Doc;
    const matched = find(c, u.q).all() as Doc[];
    const targets = u.multi ? matched : matched.slice(0, 1);
    for (const doc of targets) {
      n++;
      if (Object.keys(modifier).length && update(doc, modifier).length) nModified++;
    }
    if (targets.length === 0 && u.upsert) {
      const doc: Doc = Object.fromEntries(
        Object.entries(u.q).filter(
          ([k, v]) =>
            !k.startsWith('$') &&
            (typeof v !== 'object' || v === null || !Object.keys(v).some((x) => x.startsWith('$'))),
        ),
      );
      update(doc, { ...modifier, $set: { ...(modifier.$set ?? {}), ...($setOnInsert ?? {}) } });
      doc._id ??= new BSON.ObjectId();
      c.push(doc);
      n++;
      upserted.push({ index, _id: doc._id });
    }
  });
  return upserted.length ? { n, nModified, upserted, ok: 1 } : { n, nModified, ok: 1 };
}

function deleteDocs(c: Doc[], deletes: Doc[]): Doc {
  let n = 0;
  for (const d of deletes) {
    const matched = new Set(find(c, d.q).all() as Doc[]);
    let budget = d.limit === 1 ? 1 : Infinity;
    for (let i = 0; i < c.length && budget > 0;) {
      if (matched.has(c[i])) {
        c.splice(i, 1);
        n++;
        budget--;
      } else i++;
    }
  }
  return { n, ok: 1 };
}
