/**
 * The Home Assistant built-in against a protocol-faithful fake of HA's REST API: listing narrowed
 * to the turn, one entity's state, service calls that change entities, names in the user's words
 * (aliases and friendly names), HA's error shapes, the sensitive flag, and a token never logged.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { homeAssistant } from '../../src/skills/builtin/home-assistant/index.js';
import { startHomeAssistantFake, type HomeAssistantFake } from '../fakes/home-assistant.js';
import { call, ctx, startHomeHost, type HomeHost } from './fixture.js';

const entities = [
  {
    entity_id: 'light.kitchen_ceiling',
    state: 'off',
    attributes: { friendly_name: 'Kitchen Light', brightness: null },
  },
  { entity_id: 'light.bedroom', state: 'on', attributes: { friendly_name: 'Bedroom Lamp', brightness: 120 } },
  { entity_id: 'switch.heater', state: 'off', attributes: { friendly_name: 'Office Heater' } },
  {
    entity_id: 'climate.living_room',
    state: 'heat',
    attributes: { friendly_name: 'Living Room Thermostat', temperature: 19, current_temperature: 18.5 },
  },
  {
    entity_id: 'sensor.hall_temperature',
    state: '21.3',
    attributes: { friendly_name: 'Hall Temperature', unit_of_measurement: '°C' },
  },
  { entity_id: 'scene.movie_night', state: 'unknown', attributes: { friendly_name: 'Movie Night' } },
];

describe('Home Assistant built-in', () => {
  let ha: HomeAssistantFake;
  let t: HomeHost;

  before(async () => {
    ha = await startHomeAssistantFake({ entities });
    t = await startHomeHost({
      skills: { homeAssistant: { url: `${ha.baseUrl}/`, token: ha.token, maxEntities: 3 } },
      home: { devices: { 'big light': { entity: 'light.kitchen_ceiling' }, aquarium: { entity: 'switch.heater' } } },
    });
  });

  after(async () => {
    await t?.close();
    await ha?.close();
  });

  it('marks the service call sensitive and the reads not', () => {
    const sensitive = Object.fromEntries(homeAssistant.manifest.tools.map((tool) => [tool.name, tool.sensitive]));
    assert.deepEqual(sensitive, { ha_list: false, ha_state: false, ha_call_service: true });
  });

  it('lists entities narrowed by words and domain, capped so the prompt stays small', async () => {
    const kitchen = await t.host.execute(call('ha_list', { query: 'kitchen' }), ctx());
    assert.equal(kitchen.content, 'light.kitchen_ceiling "Kitchen Light": off');
    const lights = await t.host.execute(call('ha_list', { domain: 'light' }), ctx());
    assert.equal(
      lights.content,
      'light.kitchen_ceiling "Kitchen Light": off\nlight.bedroom "Bedroom Lamp": on (brightness 120)',
    );
    const all = await t.host.execute(call('ha_list', {}), ctx());
    assert.equal(all.content.split('\n').length, 4);
    assert.match(all.content, /\(3 more: narrow with query or domain\)$/);
    assert.equal((await t.host.execute(call('ha_list', { query: 'garage' }), ctx())).content, 'No entities match.');
  });

  it('reads one entity by id or by its friendly name', async () => {
    const byId = await t.host.execute(call('ha_state', { entity: 'climate.living_room' }), ctx());
    assert.match(
      byId.content,
      /^climate\.living_room "Living Room Thermostat": heat \(temperature 19, current_temperature 18\.5\)/,
    );
    const byName = await t.host.execute(call('ha_state', { entity: 'the hall temperature' }), ctx());
    assert.match(byName.content, /^sensor\.hall_temperature "Hall Temperature": 21\.3 \(unit_of_measurement °C\)/);
  });

  it('calls a service: the entity changes and the answer says its new state', async () => {
    const r = await t.host.execute(
      call('ha_call_service', {
        domain: 'light',
        service: 'turn_on',
        entity: 'kitchen lights',
        data: { brightness_pct: 50 },
      }),
      ctx(),
    );
    assert.equal(r.isError, undefined, r.content);
    assert.equal(ha.entities.get('light.kitchen_ceiling')?.state, 'on');
    assert.equal(ha.entities.get('light.kitchen_ceiling')?.attributes.brightness, 128);
    assert.deepEqual(
      { ...ha.calls.at(-1), at: 0 },
      { domain: 'light', service: 'turn_on', data: { brightness_pct: 50, entity_id: 'light.kitchen_ceiling' }, at: 0 },
    );
    assert.match(
      r.content,
      /^Called light\.turn_on on light\.kitchen_ceiling\.\nNow: light\.kitchen_ceiling "Kitchen Light": on \(brightness 128\)$/,
    );
    const temp = await t.host.execute(
      call('ha_call_service', {
        domain: 'climate',
        service: 'set_temperature',
        entity: 'climate.living_room',
        data: { temperature: 21 },
      }),
      ctx(),
    );
    assert.match(temp.content, /temperature 21/);
    assert.equal(ha.entities.get('climate.living_room')?.attributes.temperature, 21);
  });

  it('resolves a home.devices alias', async () => {
    await t.host.execute(
      call('ha_call_service', { domain: 'light', service: 'turn_off', entity: 'the big light' }),
      ctx(),
    );
    assert.equal(ha.entities.get('light.kitchen_ceiling')?.state, 'off');
  });

  it("relays Home Assistant's errors as tool errors and changes nothing", async () => {
    const before = JSON.stringify([...ha.entities.values()]);
    const unknownService = await t.host.execute(
      call('ha_call_service', { domain: 'light', service: 'explode', entity: 'light.bedroom' }),
      ctx(),
    );
    assert.equal(unknownService.isError, true);
    assert.equal(unknownService.content, 'Home Assistant answered 400: Service light.explode not found.');
    const unknownEntity = await t.host.execute(call('ha_state', { entity: 'light.cellar' }), ctx());
    assert.deepEqual(unknownEntity, { content: 'Home Assistant: Entity not found.', isError: true });
    const noName = await t.host.execute(
      call('ha_call_service', { domain: 'light', service: 'turn_on', entity: 'garage light' }),
      ctx(),
    );
    assert.match(noName.content, /no entity is called "garage light"/);
    const ambiguous = await t.host.execute(call('ha_state', { entity: 'light' }), ctx());
    assert.match(ambiguous.content, /could mean light\.kitchen_ceiling, light\.bedroom/);
    const badName = await t.host.execute(call('ha_call_service', { domain: 'light/../x', service: 'turn_on' }), ctx());
    assert.match(badName.content, /not a service name/);
    assert.equal(JSON.stringify([...ha.entities.values()]), before);
  });

  it('sends the token only as bearer and never logs it, also when HA refuses it', async () => {
    assert.ok(ha.authHeaders.length > 0 && ha.authHeaders.every((h) => h === `Bearer ${ha.token}`));
    const wrong = await startHomeHost({
      skills: { homeAssistant: { url: ha.baseUrl, token: 'wrong-token-abcdef123456' } },
    });
    try {
      const r = await wrong.host.execute(call('ha_list', {}), ctx());
      assert.deepEqual(r, {
        content: 'Home Assistant refused the access token (skills.homeAssistant.token)',
        isError: true,
      });
      assert.ok(!JSON.stringify(wrong.lines).includes('wrong-token-abcdef123456'));
    } finally {
      await wrong.close();
    }
    assert.ok(t.lines.length > 0);
    assert.ok(!JSON.stringify(t.lines).includes(ha.token));
  });

  it('reports an unreachable server as a tool error', async () => {
    const gone = await startHomeHost({ skills: { homeAssistant: { url: 'http://127.0.0.1:9', token: 'x' } } });
    try {
      const r = await gone.host.execute(call('ha_list', {}), ctx());
      assert.deepEqual(r, { content: 'Home Assistant at 127.0.0.1:9: it is not reachable', isError: true });
    } finally {
      await gone.close();
    }
  });

  it('is offered for home turns, including a configured device name', () => {
    const names = (text: string) => t.host.toolsFor(['home-assistant'], text).map((s) => s.name);
    assert.deepEqual(names('turn on the kitchen light'), ['ha_list', 'ha_state', 'ha_call_service']);
    assert.deepEqual(names('is the aquarium on?'), ['ha_list', 'ha_state', 'ha_call_service']);
    assert.deepEqual(names('tell me a joke'), []);
  });
});
