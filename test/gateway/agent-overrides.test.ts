/**
 * Per-agent changes in the admin API against the real `hearth` process: an agent's model switched
 * at runtime (`PUT /admin/agents/:id/model`) answers that agent's next turn and only that agent's,
 * survives a restart, and gives way to an edit of hearth.yml's `agents.<id>.model`; a skill
 * disabled for one agent (`PUT /admin/agents/:id/skills/:name`) is no longer offered to its turns,
 * also after a restart, until hearth.yml says otherwise. Each change is in the audit log; a viewer is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../harness.js';
import type { Json } from '../json.js';
import { chatOverWs } from '../webchat-client.js';

const config = (url: string, helperModel: string, defaultAgent = '{}') =>
  [
    'models:',
    '  default: one',
    '  catalog:',
    `    one: { provider: openai, baseUrl: ${url}, model: model-one }`,
    `    two: { provider: openai, baseUrl: ${url}, model: model-two }`,
    `    three: { provider: openai, baseUrl: ${url}, model: model-three }`,
    'agents:',
    `  default: ${defaultAgent}`,
    `  helper: { model: ${helperModel} }`,
    // The OpenAI-compatible API talks to the helper agent, the web chat to the default one.
    'routes:',
    '  - { channel: api, agent: helper }',
    '',
  ].join('\n');

interface AgentView {
  id: string;
  model: string | null;
  modelSource: string;
  skills: string[];
  skillOverrides: Record<string, boolean>;
}

describe('per-agent model and skills through the admin API', () => {
  let model: ModelFake;
  let dir: string;
  let h: HearthProcess | undefined;
  before(async () => {
    model = await startOpenAIFake();
    dir = mkdtempSync(join(tmpdir(), 'hearth-agents-'));
  });
  after(async () => {
    await h?.stop();
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (helperModel: string) => {
    h = await startHearth({
      dataDir: join(dir, 'data'),
      config: config(model.baseUrl, helperModel),
      timeoutMs: 60_000,
    });
    return h;
  };
  const call = (path: string, method = 'GET', body?: unknown, token = h!.token) =>
    fetch(`${h!.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const agent = async (id: string) => {
    const res = await call('/admin/agents');
    assert.equal(res.status, 200);
    return ((await res.json()) as { agents: AgentView[] }).agents.find((a) => a.id === id)!;
  };
  /** One turn of the helper agent (over the OpenAI-compatible API); returns the upstream model name it reached. */
  const helperTurn = async (text: string) => {
    const res = await call('/v1/chat/completions', 'POST', { messages: [{ role: 'user', content: text }] });
    assert.equal(res.status, 200, await res.clone().text());
    return model.requests.at(-1)!.body.model as string;
  };
  const defaultTurn = async (text: string) => {
    await chatOverWs(h!.baseUrl, text);
    return model.requests.at(-1)!.body;
  };

  it("switches one agent's model live: its next turn uses it, the other agent's does not", async () => {
    await start('one');
    assert.deepEqual(
      { model: (await agent('helper')).model, source: (await agent('helper')).modelSource },
      { model: 'one', source: 'file' },
    );
    assert.equal((await agent('default')).modelSource, 'default');
    assert.equal(await helperTurn('before the switch'), 'model-one');

    const res = await call('/admin/agents/helper/model', 'PUT', { model: 'two' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { agent: AgentView };
    assert.deepEqual([body.agent.model, body.agent.modelSource], ['two', 'admin']);

    assert.equal(await helperTurn('after the switch'), 'model-two');
    assert.equal((await defaultTurn('the default agent')).model, 'model-one', 'the default agent is unchanged');
    // The console's Settings screen shows the switched value as an admin change.
    const { settings } = (await (await call('/admin/settings', 'GET')).json()) as {
      settings: Array<{ key: string; value: unknown; source: string }>;
    };
    const setting = settings.find((x) => x.key === 'agents.helper.model');
    assert.deepEqual([setting?.value, setting?.source], ['two', 'admin']);
  });

  it('refuses an unknown agent (404), an unknown model naming it (400) and a viewer (403)', async () => {
    const unknownAgent = await call('/admin/agents/nobody/model', 'PUT', { model: 'two' });
    assert.equal(unknownAgent.status, 404);
    assert.match(((await unknownAgent.json()) as { error: { message: string } }).error.message, /nobody/);
    const unknownModel = await call('/admin/agents/helper/model', 'PUT', { model: 'gpt-nope' });
    assert.equal(unknownModel.status, 400);
    const err = ((await unknownModel.json()) as { error: { code: string; message: string } }).error;
    assert.equal(err.code, 'HEARTH_E_UNKNOWN_MODEL');
    assert.match(err.message, /gpt-nope/);

    const issued = await call('/admin/tokens', 'POST', { name: 'watcher', role: 'viewer' });
    const viewer = ((await issued.json()) as { token: string }).token;
    assert.equal((await call('/admin/agents', 'GET', undefined, viewer)).status, 200, 'a viewer may read');
    assert.equal((await call('/admin/agents/helper/model', 'PUT', { model: 'three' }, viewer)).status, 403);
    assert.equal((await call('/admin/agents/default/skills/memory', 'PUT', { enabled: false }, viewer)).status, 403);
    assert.equal((await agent('helper')).model, 'two', 'the refused changes changed nothing');
  });

  it("disables a skill for one agent: its tools are no longer offered to that agent's turns", async () => {
    const before = await defaultTurn('please remember that the bins go out on Tuesday');
    const offered = (b: Json) => ((b.tools ?? []) as Json[]).map((t: Json) => t.function.name as string);
    assert.ok(offered(before).includes('memory_save'), `memory_save offered before (${offered(before)})`);

    const unknown = await call('/admin/agents/default/skills/no-such-skill', 'PUT', { enabled: false });
    assert.equal(unknown.status, 404);
    const res = await call('/admin/agents/default/skills/memory', 'PUT', { enabled: false });
    assert.equal(res.status, 200);
    const view = ((await res.json()) as { agent: AgentView }).agent;
    assert.equal(view.skillOverrides.memory, false);
    assert.ok(!view.skills.includes('memory') && view.skills.includes('clock'), String(view.skills));

    const after = await defaultTurn('please remember that the bins go out on Tuesday');
    assert.ok(!offered(after).includes('memory_save'), `memory_save no longer offered (${offered(after)})`);
    assert.ok(!offered(after).includes('memory_forget'));

    // A model that calls the tool anyway is refused.
    model.setReply((body: Json) => {
      const last = body.messages.at(-1);
      if (last.role === 'tool') return { text: `Tool said: ${last.content}` };
      return { toolCalls: [{ name: 'memory_save', arguments: JSON.stringify({ fact: 'bins on Tuesday' }) }] };
    });
    try {
      await defaultTurn('please remember that the bins go out on Tuesday');
      const toolTurn = (model.requests.at(-1)!.body.messages as Json[]).findLast((m: Json) => m.role === 'tool');
      assert.match(String(toolTurn?.content), /not enabled for this assistant/);
    } finally {
      model.setReply(() => ({ text: 'ok' }));
    }
  });

  it('writes each change to the audit log', async () => {
    const res = await call('/admin/audit?action=agent.');
    const rows = ((await res.json()) as { rows: Array<{ action: string; target: string; detail: Json }> }).rows;
    const model = rows.find((r) => r.action === 'agent.model');
    assert.ok(model, JSON.stringify(rows));
    assert.equal(model.target, 'helper');
    assert.equal(model.detail.model, 'two');
    assert.equal(model.detail.previous, 'one');
    const skill = rows.find((r) => r.action === 'agent.skill.disable');
    assert.equal(skill?.target, 'default');
    assert.equal(skill?.detail.skill, 'memory');
  });

  it('keeps both changes across a restart', async () => {
    await h!.stop();
    await start('one');
    assert.equal((await agent('helper')).modelSource, 'admin');
    assert.equal(await helperTurn('after a restart'), 'model-two');
    const b = await defaultTurn('please remember this after the restart');
    assert.ok(!((b.tools ?? []) as Json[]).some((t: Json) => t.function.name === 'memory_save'));
  });

  it("gives way to an edit of the agent's model or skills in hearth.yml (config reload), also after a restart", async () => {
    const reloaded = h!.waitForLog((l) => l.msg === 'config reloaded', 10_000);
    writeFileSync(h!.configFile!, config(model.baseUrl, 'three', '{ skills: [memory, clock] }'));
    await reloaded;
    const helper = await agent('helper');
    assert.deepEqual([helper.model, helper.modelSource], ['three', 'file']);
    // The default agent's skills were edited in the file too: that newer decision drops the admin's choice.
    const byFile = await agent('default');
    assert.deepEqual([byFile.skills, byFile.skillOverrides], [['memory', 'clock'], {}]);
    assert.equal(await helperTurn('after the edit'), 'model-three');
    await h!.stop();
    h = await startHearth({
      dataDir: join(dir, 'data'),
      config: config(model.baseUrl, 'three', '{ skills: [memory, clock] }'),
      timeoutMs: 60_000,
    });
    assert.equal(await helperTurn('after the edit and a restart'), 'model-three');
    assert.deepEqual((await agent('default')).skillOverrides, {});
  });
});
