/** Upgrade ordering of skill versions: semantic-version precedence, pre-releases included. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions } from '../../src/skills/manifest.js';

it('orders versions by semver precedence', () => {
  const sorted = [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.10',
    '1.0.0-rc-1',
    '1.0.0-rc-2',
    '1.0.0',
    '1.0.1',
    '1.10.0',
    '2.0.0',
  ];
  for (let i = 0; i + 1 < sorted.length; i++) {
    assert.ok(compareVersions(sorted[i]!, sorted[i + 1]!) < 0, `${sorted[i]} < ${sorted[i + 1]}`);
    assert.ok(compareVersions(sorted[i + 1]!, sorted[i]!) > 0, `${sorted[i + 1]} > ${sorted[i]}`);
  }
  assert.equal(compareVersions('1.2.3-rc.1', '1.2.3-rc.1'), 0);
});
