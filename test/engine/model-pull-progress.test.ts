import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgressReporter, renderProgressBar } from '../../src/engine/model-pull-progress.js';

describe('model pull progress', () => {
  test('the bar shows percent, megabytes and speed', () => {
    assert.equal(
      renderProgressBar({ received: 250_000_000, total: 500_000_000 }, 12_345_678, 10),
      '[#####-----]  50%  250.0/500.0 MB  12.3 MB/s',
    );
    assert.equal(renderProgressBar({ received: 1_500_000 }, 0), '1.5 MB  0.0 MB/s');
  });

  test('on a TTY the bar is redrawn in place, throttled, and ends with a newline', () => {
    let clock = 0;
    const out = {
      isTTY: true,
      text: '',
      write(s: string) {
        this.text += s;
      },
    };
    const reporter = createProgressReporter(out, () => clock);
    for (let i = 1; i <= 10; i++) {
      clock += 20;
      reporter.onProgress({ received: i * 100_000, total: 1_000_000 });
    }
    reporter.done();
    const draws = out.text.split('\r').filter(Boolean);
    assert.ok(draws.length >= 2 && draws.length < 10, `throttled: ${draws.length} draws`);
    assert.match(draws.at(-1)!, /^\[#+\] 100% {2}1\.0\/1\.0 MB/);
    assert.ok(out.text.endsWith('\n'));
  });

  test('without a TTY it prints a few plain lines and no control characters', () => {
    const out = {
      isTTY: false,
      text: '',
      write(s: string) {
        this.text += s;
      },
    };
    const reporter = createProgressReporter(out);
    for (let i = 0; i <= 100; i++) reporter.onProgress({ received: i * 10_000, total: 1_000_000 });
    reporter.done();
    assert.deepEqual(out.text.trim().split('\n'), [
      '0%  0.0/1.0 MB',
      '25%  0.3/1.0 MB',
      '50%  0.5/1.0 MB',
      '75%  0.8/1.0 MB',
      '100%  1.0/1.0 MB',
    ]);
    assert.ok(!out.text.includes('\r') && !out.text.includes('\u001b'), 'no carriage return or escape code');
  });
});
