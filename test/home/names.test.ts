/** Pure rules of the home hub: MQTT filter matching, device names in the user's words, the config checks. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../src/core/config.js';
import { findDevice, normalizeName } from '../../src/home/devices.js';
import { topicMatches, topicProblem } from '../../src/home/topics.js';

describe('home hub rules', () => {
  it('matches MQTT filters as the standard says', () => {
    assert.equal(topicMatches('home/#', 'home/kitchen/light'), true);
    assert.equal(topicMatches('home/#', 'home'), true);
    assert.equal(topicMatches('home/+/light', 'home/kitchen/light'), true);
    assert.equal(topicMatches('home/+/light', 'home/kitchen/lamp'), false);
    assert.equal(topicMatches('home/+', 'home/a/b'), false);
    assert.equal(topicMatches('home/kitchen', 'home/kitchenette'), false);
    assert.equal(topicMatches('#', '$SYS/broker/uptime'), false);
    assert.equal(topicMatches('+/broker/uptime', '$SYS/broker/uptime'), false);
    assert.match(topicProblem('home/+/set')!, /wildcards/);
    assert.equal(topicProblem('home/kitchen/set'), undefined);
  });

  it("finds a device by its name in the user's words", () => {
    assert.equal(normalizeName('The Kitchen Lights!'), 'kitchen light');
    assert.equal(normalizeName('glass'), 'glass');
    const devices = { 'kitchen light': { topic: 't', on: 'ON', off: 'OFF' } };
    assert.equal(findDevice('the kitchen lights', devices)?.name, 'kitchen light');
    assert.equal(findDevice('bedroom light', devices), undefined);
  });

  it('refuses a device with neither entity nor topic, a bad entity id and a non-MQTT url', () => {
    const bad = configSchema.safeParse({
      skills: { mqtt: { url: 'http://broker', allowTopics: ['a/#'] } },
      home: { devices: { lamp: {}, fan: { entity: 'Fan Kitchen' } } },
    });
    assert.equal(bad.success, false);
    const why = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    assert.ok(
      why.some((w) => w.startsWith('skills.mqtt.url: an MQTT URL')),
      why.join('\n'),
    );
    assert.ok(
      why.some((w) => w.startsWith('home.devices.lamp: give `entity`')),
      why.join('\n'),
    );
    assert.ok(
      why.some((w) => w.startsWith('home.devices.fan.entity: a Home Assistant entity id')),
      why.join('\n'),
    );
    assert.equal(
      configSchema.safeParse({ skills: { mqtt: { url: 'mqtt://127.0.0.1:1883', allowTopics: [] } } }).success,
      false,
    );
  });
});
