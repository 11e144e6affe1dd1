/**
 * End to end through the `hearth` process: "turn on the kitchen lights" reaches the fake model
 * with the home tools offered, the model calls them, and the fake Home Assistant entity and the
 * real Mosquitto see the change. The Home Assistant token comes from the environment and never
 * reaches the log.
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectAsync, type MqttClient } from 'mqtt';
import { startHomeAssistantFake, type HomeAssistantFake } from '../fakes/home-assistant.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../harness.js';
import { waitFor } from './fixture.js';

describe('home hub end to end through hearth', () => {
  const prefix = `hearth-test/${randomUUID()}`;
  let model: ModelFake;
  let ha: HomeAssistantFake;
  let h: HearthProcess;
  let watcher: MqttClient;
  const received: Array<{ topic: string; payload: string }> = [];

  before(async () => {
    ha = await startHomeAssistantFake({
      entities: [{ entity_id: 'light.kitchen', state: 'off', attributes: { friendly_name: 'Kitchen Lights' } }],
    });
    watcher = await connectAsync('mqtt://127.0.0.1:1883', { clientId: `watch-${randomUUID().slice(0, 8)}` });
    watcher.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    await watcher.subscribeAsync(`${prefix}/#`, { qos: 1 });
    model = await startOpenAIFake();
    model.setReply((body) => {
      const messages = body.messages as Array<{ role: string; content: string }>;
      const tool = messages.findLast((m) => m.role === 'tool');
      if (tool) return { text: `Done. ${tool.content}` };
      const user = messages.findLast((m) => m.role === 'user')!.content;
      if (/kitchen/.test(user))
        return {
          toolCalls: [
            {
              name: 'ha_call_service',
              arguments: JSON.stringify({ domain: 'light', service: 'turn_on', entity: 'kitchen lights' }),
            },
          ],
        };
      if (/porch/.test(user))
        return {
          toolCalls: [{ name: 'mqtt_publish', arguments: JSON.stringify({ topic: 'porch light', payload: 'on' }) }],
        };
      return { text: 'no tool' };
    });
    h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model', HA_TOKEN: ha.token },
      config: [
        'skills:',
        '  homeAssistant:',
        `    url: ${JSON.stringify(ha.baseUrl)}`,
        '    token: ${HA_TOKEN}',
        `  mqtt: { url: "mqtt://127.0.0.1:1883", allowTopics: [${JSON.stringify(`${prefix}/#`)}] }`,
        'home:',
        '  devices:',
        `    porch light: { topic: ${JSON.stringify(`${prefix}/porch/set`)} }`,
        '',
      ].join('\n'),
      timeoutMs: 60_000,
    });
  });

  after(async () => {
    await h?.stop();
    await model?.close();
    await ha?.close();
    await watcher?.endAsync();
  });

  async function admin(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${h.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${h.token}` } });
  }

  /** Device control is sensitive: the turn stops at the question; an operator's approval runs the exact call. */
  async function askApproved(text: string, tool: string, beforeYes: () => void): Promise<string> {
    const question = await ask(text);
    assert.match(question, new RegExp(tool), 'the assistant says what it wants to run');
    beforeYes();
    const { approvals } = (await (await admin('/admin/approvals')).json()) as {
      approvals: Array<{ id: string; tool: string }>;
    };
    const pending = approvals.find((a) => a.tool === tool);
    assert.ok(pending, `an approval for ${tool} waits: ${JSON.stringify(approvals)}`);
    const res = await admin(`/admin/approvals/${pending.id}/approve`, { method: 'POST' });
    assert.equal(res.status, 200, await res.clone().text());
    return question;
  }

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

  it('a chat turn turns on the kitchen lights in Home Assistant', async () => {
    await askApproved('turn on the kitchen lights', 'ha_call_service', () =>
      assert.equal(ha.entities.get('light.kitchen')?.state, 'off', 'nothing is switched before the yes'),
    );
    await waitFor('the kitchen light on', () => ha.entities.get('light.kitchen')?.state === 'on');
    const first = model.requests.find((r) =>
      JSON.stringify(r.body?.messages ?? '').includes('turn on the kitchen lights'),
    )!;
    const offered = (first.body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name);
    for (const name of ['ha_list', 'ha_state', 'ha_call_service', 'mqtt_publish', 'mqtt_read'])
      assert.ok(offered.includes(name), `${name} offered`);
  });

  it('a chat turn publishes to a device topic on the broker', async () => {
    await askApproved('switch on the porch light please', 'mqtt_publish', () =>
      assert.equal(
        received.find((m) => m.topic === `${prefix}/porch/set`),
        undefined,
        'nothing is published before the yes',
      ),
    );
    const got = await waitFor('the porch command', () => received.find((m) => m.topic === `${prefix}/porch/set`));
    assert.equal(got.payload, 'ON');
  });

  it('offers no home tools for an unrelated turn', async () => {
    await ask('what is the capital of France');
    const last = model.requests.at(-1)!;
    const offered = ((last.body.tools ?? []) as Array<{ function: { name: string } }>).map((t) => t.function.name);
    assert.ok(!offered.some((n) => n.startsWith('ha_') || n.startsWith('mqtt_')), offered.join());
  });

  it('shows the broker connection in /readyz and /metrics', async () => {
    const ready = await waitFor('mqtt ready in /readyz', async () => {
      const body = (await (await fetch(`${h.baseUrl}/readyz`)).json()) as {
        status: string;
        skills?: Record<string, string>;
      };
      return body.skills?.mqtt === 'ready' && body;
    });
    assert.equal(ready.status, 'ready');
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    assert.match(metrics, /^hearth_skill_up\{skill="mqtt"\} 1$/m);
  });

  it('never logs the Home Assistant token', () => {
    assert.ok(h.logs.length > 0);
    assert.ok(!JSON.stringify(h.logs).includes(ha.token));
  });
});
