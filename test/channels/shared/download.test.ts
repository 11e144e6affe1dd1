import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { readCapped } from '../../../src/channels/shared/download.js';

let base = '';
const server = createServer((req, res) => {
  const size = Number(req.url!.split('/')[2]);
  if (req.url!.startsWith('/declared/')) {
    res.writeHead(200, { 'content-length': String(size) });
    res.end(Buffer.alloc(size, 7));
  } else {
    res.writeHead(200); // chunked: no Content-Length, the cap applies while reading
    for (let sent = 0; sent < size; sent += 1000) res.write(Buffer.alloc(Math.min(1000, size - sent), 7));
    res.end();
  }
});
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('files within the cap are read whole', async () => {
  assert.equal((await readCapped(await fetch(`${base}/declared/3000`), 3000)).length, 3000);
  assert.equal((await readCapped(await fetch(`${base}/chunked/3000`), 3000)).length, 3000);
});

test('a declared size over the cap is refused before reading, an undeclared one while reading', async () => {
  await assert.rejects(readCapped(await fetch(`${base}/declared/50000`), 3000), {
    code: 'HEARTH_E_TOO_LARGE',
    httpStatus: 413,
  });
  await assert.rejects(readCapped(await fetch(`${base}/chunked/50000`), 3000), { code: 'HEARTH_E_TOO_LARGE' });
});
