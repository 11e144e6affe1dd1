/**
 * End to end against the real `hearth` process: the fake model asks for a tool call, Hearth runs
 * it on the skill (one per runtime), hands the result back, and the answer contains it. Also a
 * hot upload → use → upgrade → remove through the admin API, and a crashing skill that leaves the
 * gateway serving.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../harness.js';
import { compiledExample, staticDirWith, tempDir } from './example-skills.js';
import { uploadableSkill } from './zip-builder.js';

/** Which tool the fake model calls for a user text, by a `call:<tool> <json>` convention. */
function plannedCall(text: string): { name: string; arguments: string } | undefined {
  const m = /^call:(\S+) (.*)$/s.exec(text);
  return m ? { name: m[1]!, arguments: m[2]! } : undefined;
}

describe('skills end to end through hearth', () => {
  let model: ModelFake;
  let h: HearthProcess;
  let sidecar: ChildProcess;

  before(async () => {
    const sidecarDir = tempDir('hearth-sidecars-');
    sidecar = spawn(process.execPath, [join(compiledExample('sidecar-shout'), 'server.js')], {
      env: { HEARTH_SKILL_SOCKET: join(sidecarDir, 'shout.sock') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await once(sidecar.stdout!, 'data');
    model = await startOpenAIFake();
    model.setReply((body) => {
      const messages = body.messages as Array<{ role: string; content: string }>;
      const tool = messages.findLast((m) => m.role === 'tool');
      if (tool) return { text: `Tool said: ${tool.content}` };
      const planned = plannedCall(messages.findLast((m) => m.role === 'user')!.content);
      return planned ? { toolCalls: [planned] } : { text: 'no tool' };
    });
    const dir = staticDirWith(
      'in-process-greeter',
      'http-weather',
      'grpc-text-stats',
      'sidecar-shout',
      'mcp-stdio-units',
      'isolation-probe',
    );
    h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' },
      config: [
        'skills:',
        `  dir: ${JSON.stringify(dir)}`,
        `  sidecarDir: ${JSON.stringify(sidecarDir)}`,
        '  restart: { initialDelayMs: 100 }',
        'agents:',
        '  default:',
        '    skills: ["*"]',
        '',
      ].join('\n'),
      timeoutMs: 30_000,
    });
  });

  after(async () => {
    await h?.stop();
    await model?.close();
    sidecar?.kill();
  });

  async function ask(text: string): Promise<string> {
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
      body: JSON.stringify({ model: 'env', messages: [{ role: 'user', content: text }] }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    return body.choices[0]!.message.content;
  }

  const runtimes = [
    {
      runtime: 'in-process',
      ask: 'call:greet {"name":"Ada"}',
      expect: 'Tool said: Hello, Ada! (greeter skill, in-process)',
    },
    {
      runtime: 'http',
      ask: 'call:weather {"city":"Paris"}',
      expect: /^Tool said: Weather in Paris: \d+°C, \w+ \(http skill\)$/,
    },
    {
      runtime: 'grpc',
      ask: 'call:text_stats {"text":"a b c"}',
      expect: 'Tool said: 3 words, 5 characters (grpc skill)',
    },
    { runtime: 'sidecar', ask: 'call:shout {"text":"hey"}', expect: 'Tool said: HEY! (sidecar skill)' },
    {
      runtime: 'mcp stdio',
      ask: 'call:convert_units {"value":2,"from":"km","to":"m"}',
      expect: 'Tool said: 2 km = 2000 m (mcp skill)',
    },
    { runtime: 'built-in', ask: 'call:calculate {"expression":"2*(3+4)^2"}', expect: 'Tool said: 2*(3+4)^2 = 98' },
  ];
  for (const r of runtimes) {
    it(`${r.runtime}: the tool result reaches the answer`, async () => {
      const answer = await ask(r.ask);
      if (typeof r.expect === 'string') assert.equal(answer, r.expect);
      else assert.match(answer, r.expect);
    });
  }

  it('a crashing skill gives the model a tool error and the gateway keeps serving', async () => {
    const answer = await ask('call:probe_crash {}');
    assert.match(answer, /^Tool said: skill probe failed/);
    assert.equal((await fetch(`${h.baseUrl}/healthz`)).status, 200);
    assert.match(await ask('call:greet {"name":"Bo"}'), /Bo/);
    await h.waitForLog((l) => l.event === 'skill_restarted' && l.skill === 'probe');
  });

  it('hot upload → use → upgrade → remove, without a restart', async () => {
    const auth = { authorization: `Bearer ${h.token}` };
    const upload = async (version: string) => {
      const form = new FormData();
      form.append('file', new Blob([uploadableSkill(version)]), 'skill.zip');
      return fetch(`${h.baseUrl}/admin/skills`, { method: 'POST', headers: auth, body: form });
    };
    assert.equal((await upload('1.0.0')).status, 201);
    assert.equal(await ask('call:stamp {"who":"Ann"}'), 'Tool said: stamp v1.0.0 for Ann');
    assert.equal((await upload('1.2.0')).status, 200);
    assert.equal(await ask('call:stamp {"who":"Ann"}'), 'Tool said: stamp v1.2.0 for Ann');
    const list = (await (await fetch(`${h.baseUrl}/admin/skills`, { headers: auth })).json()) as {
      skills: Array<{ name: string; version: string }>;
    };
    assert.equal(list.skills.find((s) => s.name === 'stamper')?.version, '1.2.0');
    assert.equal((await fetch(`${h.baseUrl}/admin/skills/stamper`, { method: 'DELETE', headers: auth })).status, 204);
    assert.match(await ask('call:stamp {"who":"Ann"}'), /unknown tool/);
    const bad = await fetch(`${h.baseUrl}/admin/skills`, {
      method: 'POST',
      headers: auth,
      body: (() => {
        const f = new FormData();
        f.append('file', new Blob([Buffer.from('not a zip')]), 'x.zip');
        return f;
      })(),
    });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'HEARTH_E_SKILL_ZIP');
    assert.equal((await fetch(`${h.baseUrl}/healthz`)).status, 200);
  });
});
