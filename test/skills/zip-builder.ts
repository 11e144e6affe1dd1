/**
 * Writes ZIP files byte by byte, including deliberately malicious ones (lying sizes, symlinks,
 * traversal names) that normal archivers refuse to produce.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntryInput {
  name: string;
  data?: Buffer | string;
  deflate?: boolean;
  /** Unix mode stored in the external attributes; default a regular 0644 file. */
  mode?: number;
  /** Lie about the uncompressed size in both headers. */
  declaredSize?: number;
}

/** Builds a ZIP archive from the entries. */
export function buildZip(entries: ZipEntryInput[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const raw = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '');
    const body = e.deflate ? deflateRawSync(raw) : raw;
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(raw);
    const size = e.declaredSize ?? raw.length;
    const method = e.deflate ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(0, 10);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A multipart/form-data body with the ZIP in `file` and optional text fields. */
export function multipartBody(
  zip: Buffer,
  fields: Record<string, string> = {},
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----hearth${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="skill.zip"\r\ncontent-type: application/zip\r\n\r\n`,
    ),
  );
  parts.push(zip, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/**
 * A complete, self-contained HTTP skill (no SDK import) whose `stamp` tool answers with its
 * version, so tests can tell an upgrade took effect.
 */
export function uploadableSkill(
  version: string,
  extra: ZipEntryInput[] = [],
  manifest: Record<string, unknown> = {},
): Buffer {
  const server = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/execute') {
      const call = JSON.parse(body);
      return res.end(JSON.stringify({ content: 'stamp v${version} for ' + call.arguments.who }));
    }
    res.end(JSON.stringify({ ok: true }));
  });
});
server.listen(0, '127.0.0.1', () => console.log('HEARTH_SKILL_READY ' + JSON.stringify({ port: server.address().port })));
`;
  const skill = {
    name: 'stamper',
    version,
    description: 'Stamps things',
    runtime: 'http',
    command: ['node', 'server.mjs'],
    tools: [
      {
        name: 'stamp',
        description: 'Stamp',
        parameters: { type: 'object', properties: { who: { type: 'string' } }, required: ['who'] },
      },
    ],
    ...manifest,
  };
  return buildZip([
    { name: 'skill.json', data: JSON.stringify(skill) },
    { name: 'server.mjs', data: server, deflate: true },
    ...extra,
  ]);
}
