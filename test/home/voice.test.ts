/**
 * By voice: espeak-ng speaks "turn on the kitchen lights" into the browser voice page's fake
 * microphone, pocketsphinx (grammar mode) recognizes it, the fake model calls mqtt_publish with the
 * device name, and the real Mosquitto gets the kitchen light's "ON".
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectAsync } from 'mqtt';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { startHearth } from '../harness.js';
import { launchChromium, micWav } from '../voice/chromium.js';
import { waitFor } from './fixture.js';

test('a spoken "turn on the kitchen lights" publishes to the kitchen light topic', { timeout: 120_000 }, async (t) => {
  const prefix = `hearth-test/${randomUUID()}`;
  const watcher = await connectAsync('mqtt://127.0.0.1:1883', { clientId: `watch-${randomUUID().slice(0, 8)}` });
  t.after(() => watcher.endAsync());
  const received: Array<{ topic: string; payload: string }> = [];
  watcher.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  await watcher.subscribeAsync(`${prefix}/#`, { qos: 1 });

  const model = await startOpenAIFake();
  t.after(() => model.close());
  model.setReply((body) => {
    const messages = body.messages as Array<{ role: string; content: string }>;
    const tool = messages.findLast((m) => m.role === 'tool');
    if (tool) return { text: 'The kitchen lights are on.' };
    const user = messages.findLast((m) => m.role === 'user')!.content;
    const offered = ((body.tools ?? []) as Array<{ function: { name: string } }>).map((x) => x.function.name);
    if (/kitchen/.test(user) && offered.includes('mqtt_publish'))
      return {
        toolCalls: [{ name: 'mqtt_publish', arguments: JSON.stringify({ topic: 'kitchen lights', payload: 'on' }) }],
      };
    return { text: 'Sorry, I cannot do that.' };
  });
  const h = await startHearth({
    config: `models:
  default: fake
  catalog:
    fake: { provider: openai, model: fake-model, baseUrl: "${model.baseUrl}" }
voice:
  enabled: true
  asr:
    provider: pocketsphinx
    mode: grammar
    phrases: ["turn on the kitchen lights", "turn off the kitchen lights", "what time is it"]
  tts:
    provider: espeak
skills:
  mqtt:
    url: mqtt://127.0.0.1:1883
    allowTopics: ["${prefix}/#"]
home:
  devices:
    kitchen light: { topic: "${prefix}/kitchen/light/set" }
`,
    timeoutMs: 60_000,
  });
  t.after(() => h.stop());

  const dir = mkdtempSync(join(tmpdir(), 'hearth-home-voice-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const browser = await launchChromium(micWav(dir, 'turn on the kitchen lights'));
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${h.baseUrl}/voice.html?autostart=1&token=${h.token}`);
  await page.waitForSelector('.msg.user', { timeout: 60_000 });
  assert.match((await page.textContent('.msg.user')) ?? '', /turn on the kitchen lights/);
  // The device command is sensitive: it waits for a yes (here an operator's, through the admin API).
  const pending = await waitFor(
    'the approval request',
    async () => {
      const res = await fetch(`${h.baseUrl}/admin/approvals`, { headers: { authorization: `Bearer ${h.token}` } });
      const { approvals } = (await res.json()) as { approvals: Array<{ id: string; tool: string }> };
      return approvals.find((a) => a.tool === 'mqtt_publish');
    },
    60_000,
  );
  assert.equal(
    received.find((m) => m.topic === `${prefix}/kitchen/light/set`),
    undefined,
    'nothing is sent before the yes',
  );
  const approved = await fetch(`${h.baseUrl}/admin/approvals/${pending.id}/approve`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}` },
  });
  assert.equal(approved.status, 200);
  const got = await waitFor(
    'the kitchen light command on the broker',
    () => received.find((m) => m.topic === `${prefix}/kitchen/light/set`),
    60_000,
  );
  assert.equal(got.payload, 'ON');
  // After the approval the turn continues and its answer reaches the voice page.
  await page.waitForFunction(
    () =>
      [
        ...(
          globalThis as unknown as {
            document: { querySelectorAll(s: string): Iterable<{ textContent: string | null }> };
          }
        ).document.querySelectorAll('.msg.assistant:not(.streaming)'),
      ].some((e) => /kitchen lights are on/.test(e.textContent ?? '')),
    undefined,
    { timeout: 60_000 },
  );
});
