import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../src/core/model-provider.js';
import { CircuitBreaker, backoffMs, isRetryable } from '../../src/engine/resilience.js';

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures, half-opens after the cooldown, closes on success', () => {
    let now = 0;
    const b = new CircuitBreaker(3, 1000, () => now);
    for (let i = 0; i < 2; i++) b.failure();
    assert.equal(b.state, 'closed');
    b.failure();
    assert.equal(b.state, 'open');
    assert.equal(b.tryAcquire(), false);
    now = 1000;
    assert.equal(b.state, 'half-open');
    assert.equal(b.tryAcquire(), true);
    assert.equal(b.tryAcquire(), false, 'one trial at a time');
    b.success();
    assert.equal(b.state, 'closed');
  });

  it('re-opens when the half-open trial fails', () => {
    let now = 0;
    const b = new CircuitBreaker(1, 100, () => now);
    b.failure();
    now = 100;
    assert.equal(b.tryAcquire(), true);
    b.failure();
    assert.equal(b.state, 'open');
  });
});

describe('retry policy', () => {
  it('honours Retry-After and grows exponentially otherwise', () => {
    assert.equal(backoffMs(1, new ProviderError('slow down', true, 429, 2)), 2000);
    const first = backoffMs(1, new Error('x'));
    const third = backoffMs(3, new Error('x'));
    assert.ok(first >= 125 && first <= 250);
    assert.ok(third >= 500 && third <= 1000);
  });

  it('retries 429/5xx/network errors but not 4xx or aborts', () => {
    assert.equal(isRetryable(new ProviderError('x', true, 429)), true);
    assert.equal(isRetryable(new ProviderError('x', false, 400)), false);
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    assert.equal(isRetryable(abort), false);
  });
});
