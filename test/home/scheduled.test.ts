/**
 * Scheduled device actions through the reminders built-in: "turn off the heater at 23:00" is one
 * sensitive `schedule_action` call (approved when scheduled); when due the action runs once, also
 * when Hearth was restarted in between, and the outcome is reported in the chat it came from.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reminders } from '../../src/skills/builtin/reminders/index.js';
import { tempDir } from '../skills/example-skills.js';
import { startHomeAssistantFake, type HomeAssistantFake } from '../fakes/home-assistant.js';
import { call, ctx, startHomeHost, waitFor } from './fixture.js';

describe('scheduled device actions', () => {
  let ha: HomeAssistantFake;
  const config = () => ({ skills: { homeAssistant: { url: ha.baseUrl, token: ha.token } } });

  before(async () => {
    ha = await startHomeAssistantFake({
      entities: [{ entity_id: 'switch.heater', state: 'on', attributes: { friendly_name: 'Heater' } }],
    });
  });

  after(async () => {
    await ha?.close();
  });

  it('is sensitive (approved once, when scheduled) and offered for "turn off the heater at 23:00"', async () => {
    const tool = reminders.manifest.tools.find((x) => x.name === 'schedule_action');
    assert.equal(tool?.sensitive, true);
    const t = await startHomeHost(config());
    try {
      const offered = t.host.toolsFor(['reminders'], 'turn off the heater at 23:00').map((s) => s.name);
      assert.ok(offered.includes('schedule_action'), offered.join());
    } finally {
      await t.close();
    }
  });

  it('runs once when due, after a restart too, and reports in the chat it was set from', async () => {
    const dataDir = tempDir();
    const target = { channel: 'telegram', chatId: '42', messageId: 'tg:9' };
    const first = await startHomeHost(config(), dataDir);
    const dueAt = Date.now() + 2_000;
    const set = await first.host.execute(
      call('schedule_action', {
        text: 'turn off the heater',
        tool: 'ha_call_service',
        arguments: { domain: 'switch', service: 'turn_off', entity: 'heater' },
        at: new Date(dueAt).toISOString(),
      }),
      ctx({ target }),
    );
    assert.match(set.content, /^Action \w+ scheduled for /);
    assert.match(
      (await first.host.execute(call('reminder_list'), ctx())).content,
      /turn off the heater \(runs ha_call_service\)/,
    );
    await first.stop();
    assert.equal(ha.calls.length, 0, 'nothing runs before it is due');

    const second = await startHomeHost(config(), dataDir);
    try {
      await waitFor('the scheduled action', () => ha.calls.length > 0);
      assert.equal(ha.entities.get('switch.heater')?.state, 'off');
      assert.ok(ha.calls[0]!.at >= dueAt - 50, 'not before its time');
      const report = await waitFor('the report', () => second.delivered[0]);
      assert.deepEqual(report.target, target);
      assert.match(report.text, /^⏰ Scheduled: turn off the heater — Called switch\.turn_off on switch\.heater\./);
      assert.equal((await second.host.execute(call('reminder_list'), ctx())).content, 'No reminders.');
    } finally {
      await second.stop();
    }
    // A third start finds nothing left to run: the action ran exactly once.
    const third = await startHomeHost(config(), dataDir);
    try {
      assert.equal((await third.host.execute(call('reminder_list'), ctx())).content, 'No reminders.');
      assert.equal(ha.calls.length, 1);
      assert.equal(first.delivered.length + third.delivered.length, 0);
    } finally {
      await third.close();
    }
  });

  it('schedules device actions only, never other tools', async () => {
    const t = await startHomeHost(config());
    try {
      const r = await t.host.execute(
        call('schedule_action', { text: 'x', tool: 'note_save', arguments: { text: 'y' }, in_minutes: 5 }),
        ctx(),
      );
      assert.equal(r.isError, true);
      assert.match(r.content, /only device actions can be scheduled/);
      const bad = await t.host.execute(
        call('schedule_action', { text: 'x', tool: 'mqtt_publish', arguments: 'on', in_minutes: 5 }),
        ctx(),
      );
      assert.match(bad.content, /"arguments" must be the object/);
      assert.equal((await t.host.execute(call('reminder_list'), ctx())).content, 'No reminders.');
    } finally {
      await t.close();
    }
  });
});
