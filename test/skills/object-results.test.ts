/**
 * An out-of-process skill that returns an object (through the SDK over HTTP or gRPC, or a skill
 * without the SDK answering `content` as an object) reaches the model as JSON, never "[object Object]".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRoot, tempDir } from './example-skills.js';
import { call, ctx, startTestHost, type TestHost } from './host-fixture.js';

const sdk = (file: string) => pathToFileURL(join(buildRoot, 'sdk', file)).href;
const forecast = {
  city: 'Oslo',
  days: [
    { day: 'Mon', celsius: 3 },
    { day: 'Tue', celsius: -1 },
  ],
};

function skill(dir: string, name: string, runtime: 'http' | 'grpc', server: string): void {
  const folder = join(dir, name);
  mkdirSync(folder);
  writeFileSync(join(folder, 'server.mjs'), server);
  writeFileSync(
    join(folder, 'skill.json'),
    JSON.stringify({
      name,
      version: '1.0.0',
      description: `returns objects (${runtime})`,
      runtime,
      command: ['node', 'server.mjs'],
      tools: [
        {
          name: name.replace(/-/g, '_'),
          description: 'a forecast as an object',
          parameters: { type: 'object', properties: {} },
        },
      ],
    }),
  );
}

describe('skills that return objects', () => {
  let t: TestHost;

  before(async () => {
    const dir = tempDir('hearth-object-skills-');
    const body = `({ execute: () => (${JSON.stringify(forecast)}) })`;
    skill(dir, 'sdk-http', 'http', `import { serveHttp } from '${sdk('index.js')}';\nawait serveHttp(${body});\n`);
    skill(dir, 'sdk-grpc', 'grpc', `import { serveGrpc } from '${sdk('grpc.js')}';\nawait serveGrpc(${body});\n`);
    // No SDK: the JSON protocol by hand, `content` an object.
    skill(
      dir,
      'raw-http',
      'http',
      `import { createServer } from 'node:http';
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/execute' ? { content: ${JSON.stringify(forecast)} } : { ok: true }));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('HEARTH_SKILL_READY ' + JSON.stringify({ port: server.address().port }) + '\\n'));
`,
    );
    t = await startTestHost({ dir });
  });

  after(() => t?.close());

  for (const name of ['sdk-http', 'sdk-grpc', 'raw-http']) {
    it(`${name}: the model gets the object's JSON`, async () => {
      assert.equal(t.host.get(name)?.state, 'ready', JSON.stringify(t.host.get(name)));
      const res = await t.host.execute(call(name.replace(/-/g, '_'), {}), ctx());
      assert.equal(res.isError ?? false, false, res.content);
      assert.deepEqual(JSON.parse(res.content), forecast);
    });
  }
});
