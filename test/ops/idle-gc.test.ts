import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectWhenIdle } from '../../src/ops/idle-gc.js';

test('an idle process gives back the heap a burst of garbage grew', async () => {
  // A burst of short-lived objects: garbage as soon as the function returns.
  ((): void => {
    const garbage: unknown[] = [];
    for (let i = 0; i < 300_000; i++) garbage.push({ text: 'x'.repeat(100) + i, n: [i, i, i] });
  })();
  const grown = process.memoryUsage().heapTotal;
  const stop = collectWhenIdle({ checkMs: 200 });
  try {
    const deadline = Date.now() + 30_000;
    while (process.memoryUsage().heapTotal > grown / 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      process.memoryUsage().heapTotal <= grown / 2,
      `heap total ${process.memoryUsage().heapTotal} of ${grown}`,
    );
  } finally {
    stop();
  }
});
