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

test('with the default options a burst is collected within seconds of its end, not 10–20 s later', async () => {
  const stop = collectWhenIdle();
  try {
    // Past the start-up collection (1 s), so only the idle check can give this burst back.
    await new Promise((r) => setTimeout(r, 1500));
    ((): void => {
      const garbage: unknown[] = [];
      for (let i = 0; i < 300_000; i++) garbage.push({ text: 'x'.repeat(100) + i, n: [i, i, i] });
    })();
    const grown = process.memoryUsage().heapTotal;
    const end = Date.now();
    while (process.memoryUsage().heapTotal > grown / 2 && Date.now() - end < 8000)
      await new Promise((r) => setTimeout(r, 100));
    const heapTotal = process.memoryUsage().heapTotal;
    assert.ok(heapTotal <= grown / 2, `heap total ${heapTotal} of ${grown} after ${Date.now() - end} ms`);
    assert.ok(Date.now() - end <= 4000, `collected ${Date.now() - end} ms after the burst`);
  } finally {
    stop();
  }
});
