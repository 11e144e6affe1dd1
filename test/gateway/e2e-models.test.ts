/**
 * End to end against the real `hearth` process: live model switch (admin API and config file), models added through the admin API kept across restarts, fallback, every model failing, no model.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, TEST_TOKEN } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';

describe('models: live switch, fallback, no model', () => {
  let a: ModelFake;
  let b: ModelFake;
  before(async () => {
    a = await startOpenAIFake();
    b = await startOpenAIFake();
    a.setReply(() => ({ text: 'from model A' }));
    b.setReply(() => ({ text: 'from model B' }));
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  const catalog = (extra = '') => `models:
  default: a
  retries: 1
  catalog:
    a: { provider: openai, baseUrl: "${a.baseUrl}", model: ma }
    b: { provider: openai, baseUrl: "${b.baseUrl}", model: mb }
${extra}`;

  it('switches the default model through the admin API without a restart', async () => {
    const h = await startHearth({ config: catalog() });
    try {
      assert.equal((await chatOverWs(h.baseUrl, 'hi')).events.at(-1)!.text, 'from model A');
      const listed = await fetch(`${h.baseUrl}/admin/models`, { headers: { authorization: `Bearer ${h.token}` } });
      assert.equal(listed.status, 200);
      const body = (await listed.json()) as { default: string; models: Array<{ id: string }> };
      assert.equal(body.default, 'a');
      assert.deepEqual(body.models.map((m) => m.id).sort(), ['a', 'b']);
      const unauth = await fetch(`${h.baseUrl}/admin/models/default`, {
        method: 'PUT',
        body: '{"model":"b"}',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(unauth.status, 401);
      const sw = await fetch(`${h.baseUrl}/admin/models/default`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify({ model: 'b' }),
      });
      assert.equal(sw.status, 200);
      assert.equal((await chatOverWs(h.baseUrl, 'hi again')).events.at(-1)!.text, 'from model B');
      const unknown = await fetch(`${h.baseUrl}/admin/models/default`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify({ model: 'nope' }),
      });
      assert.equal(unknown.status, 404);
    } finally {
      assert.equal(await h.stop(), 0);
    }
  });

  it('keeps a model added through the admin API across restarts, its API key encrypted on disk', async () => {
    const key = 'sk-added-model-key-0123456789';
    const keyed = await startOpenAIFake({ apiKey: key });
    keyed.setReply(() => ({ text: 'from the added model' }));
    const { mkdtempSync, readdirSync, readFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-added-'));
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` };
    let h = await startHearth({ config: catalog(), dataDir });
    try {
      const put = await fetch(`${h.baseUrl}/admin/models/extra`, {
        method: 'PUT',
        headers: auth,
        body: JSON.stringify({ provider: 'openai', baseUrl: keyed.baseUrl, model: 'x', apiKey: key }),
      });
      assert.equal(put.status, 200);
      assert.equal(
        (await fetch(`${h.baseUrl}/admin/models/default`, { method: 'PUT', headers: auth, body: '{"model":"extra"}' }))
          .status,
        200,
      );
      assert.equal((await chatOverWs(h.baseUrl, 'hi')).events.at(-1)!.text, 'from the added model');
    } finally {
      await h.stop();
    }
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
    for (const f of files(dataDir)) assert.ok(!readFileSync(f).includes(key), `${f} holds the API key in plain text`);
    h = await startHearth({ config: catalog(), dataDir });
    try {
      const listed = (await (await fetch(`${h.baseUrl}/admin/models`, { headers: auth })).json()) as {
        models: Array<{ id: string }>;
      };
      assert.ok(listed.models.some((m) => m.id === 'extra'));
      assert.equal(
        (await fetch(`${h.baseUrl}/admin/models/default`, { method: 'PUT', headers: auth, body: '{"model":"extra"}' }))
          .status,
        200,
      );
      assert.equal((await chatOverWs(h.baseUrl, 'again')).events.at(-1)!.text, 'from the added model');
      assert.equal(
        (await fetch(`${h.baseUrl}/admin/models/extra`, { method: 'DELETE', headers: auth })).status,
        409,
        'not the current default',
      );
      await fetch(`${h.baseUrl}/admin/models/default`, { method: 'PUT', headers: auth, body: '{"model":"a"}' });
      assert.equal((await fetch(`${h.baseUrl}/admin/models/extra`, { method: 'DELETE', headers: auth })).status, 200);
      assert.equal((await fetch(`${h.baseUrl}/admin/models/a`, { method: 'DELETE', headers: auth })).status, 409);
    } finally {
      await h.stop();
      await keyed.close();
    }
  });

  it('a conversation in flight finishes on the old model while the default switches', async () => {
    a.setReply(() => ({ chunks: ['slow ', 'answer ', 'from ', 'A'], chunkDelayMs: 150 }));
    const h = await startHearth({ config: catalog() });
    try {
      const inflight = chatOverWs(h.baseUrl, 'long one');
      await new Promise((r) => setTimeout(r, 200));
      await fetch(`${h.baseUrl}/admin/models/default`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify({ model: 'b' }),
      });
      assert.equal((await inflight).events.at(-1)!.text, 'slow answer from A');
      assert.equal((await chatOverWs(h.baseUrl, 'next')).events.at(-1)!.text, 'from model B');
    } finally {
      await h.stop();
      a.setReply(() => ({ text: 'from model A' }));
    }
  });

  it('switches when the config file changes, and keeps running on a bad edit', async () => {
    const h = await startHearth({ config: catalog() });
    try {
      writeFileSync(h.configFile!, catalog().replace('default: a', 'default: b'));
      await h.waitForLog((l) => l.msg === 'config reloaded' && l.default === 'b');
      assert.equal((await chatOverWs(h.baseUrl, 'hi')).events.at(-1)!.text, 'from model B');
      writeFileSync(h.configFile!, catalog().replace('default: a', 'defualt: a'));
      const rejected = await h.waitForLog((l) => l.msg?.startsWith('config change rejected') === true);
      assert.equal(rejected.errorCode, 'HEARTH_E_CONFIG');
      assert.equal((await chatOverWs(h.baseUrl, 'still here')).events.at(-1)!.text, 'from model B');
      // The console's Settings screen says why, in the file's terms, until an edit is accepted.
      const settings = async () =>
        (await (
          await fetch(`${h.baseUrl}/admin/settings`, { headers: { authorization: `Bearer ${h.token}` } })
        ).json()) as { rejected?: { at: string; problems: string[] } };
      const why = (await settings()).rejected;
      assert.ok(why, 'the refused edit is reported');
      assert.match(
        why.problems.join('\n'),
        /hearth\.yml:2: models\.defualt: unknown key "defualt" \(did you mean "default"\?\)/,
      );
      writeFileSync(h.configFile!, catalog());
      await h.waitForLog((l) => l.msg === 'config reloaded' && l.default === 'a');
      assert.equal((await settings()).rejected, undefined, 'cleared by an accepted edit');
    } finally {
      await h.stop();
    }
  });

  it('falls back to the next model when the first fails, and logs the failure with a code', async () => {
    a.setReply(() => ({ status: 500, errorMessage: 'boom' }));
    const h = await startHearth({ config: catalog('  fallback: [b]') });
    try {
      const { events } = await chatOverWs(h.baseUrl, 'are you there');
      assert.equal(events.at(-1)!.type, 'done');
      assert.equal(events.at(-1)!.text, 'from model B');
      assert.equal(events.at(-1)!.model, 'b');
      const failed = await h.waitForLog((l) => l.msg === 'model call failed' && l.model === 'a');
      assert.equal(failed.errorCode, 'HEARTH_E_MODEL_FAILED');
    } finally {
      await h.stop();
      a.setReply(() => ({ text: 'from model A' }));
    }
  });

  it('tells the user clearly when every model fails', async () => {
    a.setReply(() => ({ status: 503 }));
    b.setReply(() => ({ status: 400, errorMessage: 'bad' }));
    const h = await startHearth({ config: catalog('  fallback: [b]') });
    try {
      const { events } = await chatOverWs(h.baseUrl, 'anyone?');
      const last = events.at(-1)!;
      assert.equal(last.type, 'error');
      assert.equal(last.code, 'HEARTH_E_MODEL_FAILED');
      assert.match(last.message, /no model could answer/i);
      await h.waitForLog((l) => l.msg === 'turn failed' && l.errorCode === 'HEARTH_E_MODEL_FAILED');
      assert.equal((await fetch(`${h.baseUrl}/healthz`)).status, 200);
    } finally {
      await h.stop();
      a.setReply(() => ({ text: 'from model A' }));
      b.setReply(() => ({ text: 'from model B' }));
    }
  });

  it('starts with no model at all and says how to choose one', async () => {
    const h = await startHearth({});
    try {
      assert.equal((await fetch(`${h.baseUrl}/readyz`)).status, 200);
      const { events } = await chatOverWs(h.baseUrl, 'hi');
      assert.equal(events.at(-1)!.code, 'HEARTH_E_NO_MODEL');
      assert.match(events.at(-1)!.message, /MODEL_ENDPOINT/);
      assert.match(events.at(-1)!.message, /hearth models pull/);
    } finally {
      await h.stop();
    }
  });
});
