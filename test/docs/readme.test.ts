/** The README stays true: quick start shape, configuration reference and error codes match the code. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderReference } from '../../src/cli/config-reference.js';
import { ErrorCode } from '../../src/core/errors.js';
import { ROOT } from '../harness.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('has a Quick start whose first shell block holds exactly the two commands', () => {
    const section = readme.split('## Quick start')[1];
    assert.ok(section, 'no Quick start section');
    const block = /```(?:sh|bash|shell)\n([\s\S]*?)```/.exec(section)![1];
    const lines = block.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    assert.equal(lines.length, 2);
    assert.match(lines[0], /npm start/);
    assert.match(lines[1], /^npm test\b/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.match(pkg.scripts.start, /bin\/hearth\.js start/);
    assert.match(readFileSync(join(ROOT, '.ci/run'), 'utf8'), /\nnpm test\n/);
  });

  it('carries the configuration reference generated from the schemas', () => {
    assert.ok(readme.includes(renderReference()), 'README is stale: run `npm run docs`');
  });

  it('documents every error code', () => {
    for (const code of Object.values(ErrorCode)) {
      const short = code.replace(/^HEARTH_E_SKILL_/, '_');
      assert.ok(
        readme.includes(code) || (code.startsWith('HEARTH_E_SKILL_') && readme.includes(`\`${short}\``)),
        `${code} is not in the README`,
      );
    }
  });
});
