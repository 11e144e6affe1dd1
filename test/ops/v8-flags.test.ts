import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { DEFAULT_HEAP_GROWING_PERCENT, v8Flags } from '../../src/ops/v8-flags.js';
import { BIN } from '../harness.js';

test('the heap growing factor defaults to 1.1 and follows HEARTH_HEAP_GROWING_PERCENT; 0 keeps V8 its own', () => {
  assert.equal(v8Flags({}), `--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`);
  assert.equal(v8Flags({ HEARTH_HEAP_GROWING_PERCENT: '' }), '--heap-growing-percent=10');
  assert.equal(v8Flags({ HEARTH_HEAP_GROWING_PERCENT: '50' }), '--heap-growing-percent=50');
  assert.equal(v8Flags({ HEARTH_HEAP_GROWING_PERCENT: '0' }), '');
  for (const bad of ['ten', '-5', '1.5', '5000'])
    assert.throws(
      () => v8Flags({ HEARTH_HEAP_GROWING_PERCENT: bad }),
      /HEARTH_HEAP_GROWING_PERCENT: ".*" is not a whole number/,
    );
});

test('bin/hearth.js applies it before the CLI runs: a bad value stops it with the variable named', () => {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  const bad = spawnSync(process.execPath, [BIN, '--version'], {
    env: { ...env, HEARTH_HEAP_GROWING_PERCENT: 'lots' },
    encoding: 'utf8',
  });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /HEARTH_HEAP_GROWING_PERCENT: "lots" is not a whole number/);
  const good = spawnSync(process.execPath, [BIN, '--version'], {
    env: { ...env, HEARTH_HEAP_GROWING_PERCENT: '25' },
    encoding: 'utf8',
  });
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /^\d+\.\d+\.\d+/);
});
