/** Whatever an in-process skill returns, the model gets text and every call is counted once. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessRuntime } from '../../src/skills/runtimes/in-process/index.js';
import { ctx } from './host-fixture.js';

it('turns non-string results into text', async () => {
  const cases: Array<[unknown, string]> = [
    [42, '42'],
    [{ temperature: 21 }, '{"temperature":21}'],
    [undefined, ''],
    [null, 'null'],
    [{ content: 'ok' }, 'ok'],
    ['plain', 'plain'],
  ];
  for (const [value, text] of cases) {
    const rt = new InProcessRuntime({ execute: () => value as string });
    await rt.start({});
    const res = await rt.execute({ tool: 't', arguments: {}, context: ctx(), signal: new AbortController().signal });
    assert.equal(res.content, text, `${String(value)}`);
  }
});
