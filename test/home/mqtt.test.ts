/**
 * The MQTT built-in against the real Mosquitto on 127.0.0.1:1883 (a unique topic prefix per run):
 * publish to allowed topics only, device names from home.devices, the last retained value with its
 * age, the sensitive flag, relevance, and reconnecting after the broker goes away.
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectAsync, type MqttClient } from 'mqtt';
import { mqtt } from '../../src/skills/builtin/mqtt/index.js';
import { startTcpProxy, type TcpProxy } from '../fakes/tcp-proxy.js';
import { call, ctx, startHomeHost, waitFor, type HomeHost } from './fixture.js';

const broker = 'mqtt://127.0.0.1:1883';

describe('MQTT built-in', () => {
  const prefix = `hearth-test/${randomUUID()}`;
  let t: HomeHost;
  let watcher: MqttClient;
  const received: Array<{ topic: string; payload: string; retain: boolean }> = [];

  before(async () => {
    watcher = await connectAsync(broker, { clientId: `watch-${randomUUID().slice(0, 8)}` });
    watcher.on('message', (topic, payload, packet) =>
      received.push({ topic, payload: payload.toString(), retain: packet.retain }),
    );
    await watcher.subscribeAsync(`${prefix}/#`, { qos: 1 });
    // A retained value set before Hearth starts: Hearth learns it when it subscribes.
    await watcher.publishAsync(`${prefix}/home/hall/temperature`, '21.5', { qos: 1, retain: true });
    t = await startHomeHost({
      skills: { mqtt: { url: broker, allowTopics: [`${prefix}/home/#`] } },
      home: {
        devices: {
          'kitchen light': {
            topic: `${prefix}/home/kitchen/light/set`,
            stateTopic: `${prefix}/home/kitchen/light/state`,
            on: '{"state":"ON"}',
            off: '{"state":"OFF"}',
          },
        },
      },
    });
    await waitFor('the MQTT skill to connect', () => t.host.get('mqtt')?.state === 'ready');
  });

  after(async () => {
    await t?.close();
    // Clear the retained values this run left on the shared broker.
    for (const topic of [`${prefix}/home/hall/temperature`, `${prefix}/home/porch/state`])
      await watcher?.publishAsync(topic, '', { qos: 1, retain: true });
    await watcher?.endAsync();
  });

  it('marks publishing sensitive and reading not', () => {
    const sensitive = Object.fromEntries(mqtt.manifest.tools.map((tool) => [tool.name, tool.sensitive]));
    assert.deepEqual(sensitive, { mqtt_publish: true, mqtt_read: false });
    assert.deepEqual(t.host.get('mqtt')?.tools, ['mqtt_publish', 'mqtt_read']);
  });

  it('publishes to an allowed topic, with retain when asked', async () => {
    const topic = `${prefix}/home/garage/door/set`;
    const r = await t.host.execute(call('mqtt_publish', { topic, payload: 'OPEN', retain: false }), ctx());
    assert.equal(r.isError, undefined, r.content);
    assert.match(r.content, /^Published "OPEN" to .*garage\/door\/set\.$/);
    const got = await waitFor('the message at the broker', () => received.find((m) => m.topic === topic));
    assert.deepEqual(got, { topic, payload: 'OPEN', retain: false });
  });

  it('refuses a topic outside allowTopics, and wildcards, and sends nothing', async () => {
    for (const topic of [`${prefix}/office/light/set`, `${prefix}/home/+/set`, `${prefix}/home/#`, '']) {
      const r = await t.host.execute(call('mqtt_publish', { topic, payload: 'ON' }), ctx());
      assert.equal(r.isError, true, topic);
      assert.match(r.content, /not allowed|wildcards|empty|missing/);
      assert.match(r.content, /nothing was sent|missing/);
    }
    // A marker published after the refusals arrives; nothing refused arrived before it.
    const marker = `${prefix}/home/marker`;
    await t.host.execute(call('mqtt_publish', { topic: marker, payload: 'x' }), ctx());
    await waitFor('the marker', () => received.find((m) => m.topic === marker));
    assert.equal(received.filter((m) => m.topic.includes('/office/') || m.topic.includes('+')).length, 0);
    assert.ok(t.lines.some((l) => l.event === 'mqtt_topic_refused'));
  });

  it('resolves a device name from home.devices and its on/off payloads', async () => {
    const r = await t.host.execute(call('mqtt_publish', { topic: 'the kitchen lights', payload: 'on' }), ctx());
    assert.equal(r.isError, undefined, r.content);
    const got = await waitFor('the kitchen command', () =>
      received.find((m) => m.topic === `${prefix}/home/kitchen/light/set`),
    );
    assert.equal(got.payload, '{"state":"ON"}');
  });

  it('reads the last retained value with its age, and one published while running', async () => {
    const hall = await t.host.execute(call('mqtt_read', { topic: `${prefix}/home/hall/temperature` }), ctx());
    assert.match(hall.content, /hall\/temperature = "21\.5" \(retained, received \d+ s ago\)$/);
    // Retained after Hearth subscribed: delivered live (not flagged retained on a live subscription).
    await watcher.publishAsync(`${prefix}/home/porch/state`, 'off', { qos: 1, retain: true });
    const porch = await waitFor('the porch value', async () => {
      const r = await t.host.execute(call('mqtt_read', { topic: `${prefix}/home/porch/state` }), ctx());
      return r.content.includes('"off"') && r;
    });
    assert.match(porch.content, /received \d+ s ago/);
    const none = await t.host.execute(call('mqtt_read', { topic: `${prefix}/home/attic/nothing` }), ctx());
    assert.match(none.content, /^No value seen on .*attic\/nothing yet\.$/);
    const refused = await t.host.execute(call('mqtt_read', { topic: `${prefix}/secret/x` }), ctx());
    assert.equal(refused.isError, true);
    assert.match(refused.content, /not allowed.*nothing was read/);
  });

  it('is offered for turns about devices and the home, not others', () => {
    const names = (text: string) => t.host.toolsFor(['mqtt'], text).map((s) => s.name);
    assert.deepEqual(names('turn on the kitchen lights'), ['mqtt_publish', 'mqtt_read']);
    assert.deepEqual(names('Is the heater on?'), ['mqtt_publish', 'mqtt_read']);
    assert.deepEqual(names('what is 17 times 3'), []);
  });
});

describe('MQTT built-in: configuration and reconnecting', () => {
  it('offers no MQTT tools when skills.mqtt is not configured', async () => {
    const t = await startHomeHost({ skills: {} });
    try {
      assert.equal(t.host.get('mqtt'), undefined);
      assert.ok(!t.host.toolsFor(['*'], 'turn on the kitchen light').some((s) => s.name.startsWith('mqtt_')));
    } finally {
      await t.close();
    }
  });

  it('reconnects after the broker goes away and comes back; publishing fails clearly meanwhile', async () => {
    const prefix = `hearth-test/${randomUUID()}`;
    let proxy: TcpProxy | undefined;
    let t: HomeHost | undefined;
    const watcher = await connectAsync(broker, { clientId: `watch-${randomUUID().slice(0, 8)}` });
    try {
      const received: string[] = [];
      watcher.on('message', (_topic, payload) => received.push(payload.toString()));
      await watcher.subscribeAsync(`${prefix}/#`, { qos: 1 });
      proxy = await startTcpProxy('127.0.0.1', 1883);
      t = await startHomeHost({
        skills: {
          mqtt: { url: `mqtt://127.0.0.1:${proxy.port}`, allowTopics: [`${prefix}/#`], reconnectMaxMs: 2_000 },
        },
      });
      const host = t.host;
      await waitFor('the first connection', () => host.get('mqtt')?.state === 'ready');
      await proxy.cut();
      await waitFor('the link to notice', () => host.get('mqtt')?.state === 'reconnecting');
      const down = await host.execute(call('mqtt_publish', { topic: `${prefix}/a`, payload: 'while-down' }), ctx());
      assert.equal(down.isError, true);
      assert.match(down.content, /not reachable right now.*nothing was sent/);
      await proxy.restore();
      await waitFor('the reconnection', () => host.get('mqtt')?.state === 'ready', 30_000);
      assert.ok((host.get('mqtt')?.restarts ?? 0) >= 1);
      const up = await host.execute(call('mqtt_publish', { topic: `${prefix}/a`, payload: 'after' }), ctx());
      assert.equal(up.isError, undefined, up.content);
      await waitFor('the message after reconnecting', () => received.includes('after'));
      assert.ok(!received.includes('while-down'), 'a refused publish must never be sent later');
      assert.ok(t.lines.some((l) => l.event === 'mqtt_reconnected'));
    } finally {
      await t?.close();
      await proxy?.close();
      await watcher.endAsync();
    }
  });
});
