/** `hearth knowledge add|list|search|remove` on a data folder of its own. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../harness.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-kb-cli-'));
const env = { HEARTH_DATA_DIR: join(dir, 'data') };
after(() => rmSync(dir, { recursive: true, force: true }));

test('add shows each file indexed or failed (exit 1 when one failed); list, search and remove follow', async () => {
  writeFileSync(
    join(dir, 'returns.md'),
    '# Returns policy\n\nItems can be returned within 30 days with the receipt.\n',
  );
  writeFileSync(join(dir, 'tool.exe'), Buffer.from([0x4d, 0x5a, 0, 1]));
  const add = await runCli(['knowledge', 'add', 'shop', join(dir, 'returns.md'), join(dir, 'tool.exe')], { env });
  assert.equal(add.code, 1, add.stderr);
  assert.match(add.stdout, /doc_\w+\tindexed\t1 chunks\treturns\.md/);
  assert.match(add.stdout, /tool\.exe: unsupported file type.*HEARTH_E_KNOWLEDGE_UNSUPPORTED/);
  const id = /(doc_\w+)\tindexed/.exec(add.stdout)![1];

  const list = await runCli(['knowledge', 'list'], { env });
  assert.match(list.stdout, /^shop\t2 documents\t1 chunks$/m);
  const docs = await runCli(['knowledge', 'list', 'shop'], { env });
  assert.match(docs.stdout, new RegExp(`${id}\tindexed\t1 chunks\tReturns policy\treturns.md`));

  const search = await runCli(['knowledge', 'search', 'shop', 'can I return items?'], { env });
  assert.equal(search.code, 0);
  assert.match(search.stdout, /1\. Returns policy {2}\[doc_\w+, score/);
  assert.match(search.stdout, /returned within 30 days/);

  const remove = await runCli(['knowledge', 'remove', 'shop', id], { env });
  assert.equal(remove.code, 0);
  assert.match((await runCli(['knowledge', 'search', 'shop', 'return items'], { env })).stdout, /No passage found/);
  const bad = await runCli(['knowledge', 'remove', 'shop', id], { env });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no document/);
});
