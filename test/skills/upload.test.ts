/**
 * Hot install through the admin API: upload → use → upgrade → disable/enable → remove, all
 * without a restart, and uploaded skills come back after one.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAdmin, type AdminFixture } from './admin-fixture.js';
import { call, ctx } from './host-fixture.js';
import { tempDir } from './example-skills.js';
import { uploadableSkill } from './zip-builder.js';

describe('skill upload lifecycle', () => {
  let a: AdminFixture;

  before(async () => {
    a = await startAdmin();
  });

  after(async () => {
    await a?.close();
  });

  it('uploads, initialises and offers a new skill at once', async () => {
    const res = await a.upload(uploadableSkill('1.0.0'));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.skill.name, 'stamper');
    assert.equal(res.body.skill.state, 'ready');
    assert.ok(a.host.toolsFor(['stamper'], 'anything').some((t) => t.name === 'stamp'));
    assert.equal((await a.host.execute(call('stamp', { who: 'Ann' }), ctx())).content, 'stamp v1.0.0 for Ann');
  });

  it('refuses the same version again (409) and keeps it serving', async () => {
    const res = await a.upload(uploadableSkill('1.0.0'));
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'HEARTH_E_SKILL_EXISTS');
    assert.equal((await a.host.execute(call('stamp', { who: 'Ann' }), ctx())).content, 'stamp v1.0.0 for Ann');
  });

  it('upgrades to a higher version without a restart and drops the old files', async () => {
    const res = await a.upload(uploadableSkill('1.1.0'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.skill.version, '1.1.0');
    assert.equal((await a.host.execute(call('stamp', { who: 'Bo' }), ctx())).content, 'stamp v1.1.0 for Bo');
    assert.deepEqual(readdirSync(join(a.dataDir, 'skills', 'stamper')), ['1.1.0']);
  });

  it('refuses a downgrade', async () => {
    assert.equal((await a.upload(uploadableSkill('1.0.5'))).status, 409);
  });

  it('disables and enables', async () => {
    const off = await a.app.inject({ method: 'POST', url: '/admin/skills/stamper/disable' });
    assert.equal(off.statusCode, 200);
    assert.equal(off.json().skill.state, 'disabled');
    assert.equal(
      a.host.toolsFor(['*'], 'x').some((t) => t.name === 'stamp'),
      false,
    );
    assert.equal((await a.host.execute(call('stamp', { who: 'C' }), ctx())).isError, true);
    const on = await a.app.inject({ method: 'POST', url: '/admin/skills/stamper/enable' });
    assert.equal(on.json().skill.state, 'ready');
    assert.ok(
      a.host.toolsFor(['*'], 'x').some((t) => t.name === 'stamp'),
      'offered again once enabled',
    );
    assert.equal((await a.host.execute(call('stamp', { who: 'C' }), ctx())).content, 'stamp v1.1.0 for C');
  });

  it('lists skills', async () => {
    const res = await a.app.inject({ method: 'GET', url: '/admin/skills' });
    const names = res.json().skills.map((s: { name: string }) => s.name);
    for (const n of ['clock', 'calculator', 'notes', 'reminders', 'http-fetch', 'stamper'])
      assert.ok(names.includes(n), n);
  });

  it('comes back after a restart of the host', async () => {
    const dataDir = tempDir();
    const first = await startAdmin({}, undefined, dataDir);
    assert.equal((await first.upload(uploadableSkill('2.0.0'))).status, 201);
    await first.host.stop();
    await first.app.close();
    const second = await startAdmin({}, undefined, dataDir);
    try {
      assert.equal((await second.host.execute(call('stamp', { who: 'D' }), ctx())).content, 'stamp v2.0.0 for D');
    } finally {
      await second.close();
    }
  });

  it('removes a skill without a restart', async () => {
    const res = await a.app.inject({ method: 'DELETE', url: '/admin/skills/stamper' });
    assert.equal(res.statusCode, 204);
    assert.match((await a.host.execute(call('stamp', { who: 'E' }), ctx())).content, /unknown tool/);
    assert.equal(existsSync(join(a.dataDir, 'skills', 'stamper')), false);
    assert.equal((await a.app.inject({ method: 'DELETE', url: '/admin/skills/stamper' })).statusCode, 404);
    assert.equal((await a.app.inject({ method: 'DELETE', url: '/admin/skills/clock' })).statusCode, 400);
  });
});
