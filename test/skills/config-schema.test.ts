/**
 * A skill's settings (`skills.config.<name>`) are checked against its manifest's `configSchema`
 * when it loads: an invalid one keeps that skill from starting with an error naming the skill, the
 * key and the reason (logged, and shown in the skills listing), while the other skills run on.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compiledExample, staticDirWith, tempDir } from './example-skills.js';
import { call, ctx, startTestHost, type TestHost } from './host-fixture.js';

/**
 * A skills.dir with the greeter (schema: greeting string), the weather skill, and `strict`: the
 * weather program again (an HTTP child) under a manifest whose schema needs `apiKey`.
 */
function skillsDir(): string {
  const dir = staticDirWith('in-process-greeter', 'http-weather');
  const weather = compiledExample('http-weather');
  const strict = join(tempDir('hearth-strict-'), 'strict');
  mkdirSync(strict);
  const manifest = {
    name: 'strict',
    version: '1.0.0',
    description: 'The weather program under a strict settings schema',
    runtime: 'http',
    command: ['node', join(weather, 'server.js')],
    permissions: { read: [weather] },
    tools: [{ name: 'weather', description: 'Current weather for a city', parameters: { type: 'object' } }],
    configSchema: {
      type: 'object',
      properties: { apiKey: { type: 'string', minLength: 8 }, retries: { type: 'integer', maximum: 5 } },
      required: ['apiKey'],
      additionalProperties: false,
    },
  };
  writeFileSync(join(strict, 'skill.json'), JSON.stringify(manifest));
  symlinkSync(strict, join(dir, 'strict'));
  return dir;
}

describe('skill configSchema', () => {
  const hosts: TestHost[] = [];
  after(async () => {
    for (const h of hosts) await h.close();
  });

  it('a skill whose settings break its schema does not load; the rest run on', async () => {
    const t = await startTestHost({
      dir: skillsDir(),
      config: { greeter: { greeting: 42 }, strict: { retries: 9, colour: 'red' } },
    });
    hosts.push(t);
    const greeter = t.host.get('greeter');
    assert.equal(greeter?.state, 'failed');
    assert.match(
      greeter?.error ?? '',
      /skill greeter has invalid settings: skills\.config\.greeter\.greeting: must be string/,
    );
    const strict = t.host.get('strict')?.error ?? '';
    assert.match(strict, /skill strict has invalid settings/);
    assert.match(strict, /skills\.config\.strict\.apiKey: must have required property 'apiKey'/);
    assert.match(strict, /skills\.config\.strict\.retries: must be <= 5/);
    assert.match(strict, /skills\.config\.strict\.colour: must NOT have additional properties/);

    const logged = t.lines.find((l) => l.event === 'skill_start_failed' && l.skill === 'greeter');
    assert.match(String(logged?.err), /skills\.config\.greeter\.greeting/);

    const res = await t.host.execute(call('greet', { name: 'Ada' }), ctx());
    assert.equal(res.isError, true);
    assert.equal(t.host.get('weather')?.state, 'ready');
    const weather = await t.host.execute(call('weather', { city: 'Oslo' }), ctx());
    assert.match(weather.content, /Oslo/);
  });

  it('valid settings pass the schema and reach the skill', async () => {
    const t = await startTestHost({
      dir: skillsDir(),
      config: { greeter: { greeting: 'Howdy' }, strict: { apiKey: 'k-12345678', retries: 2 } },
    });
    hosts.push(t);
    assert.equal(t.host.get('strict')?.state, 'ready');
    const res = await t.host.execute(call('greet', { name: 'Ada' }), ctx());
    assert.equal(res.content, 'Howdy, Ada! (greeter skill, in-process)');
  });
});
