import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRetryAfter, toProviderError } from '../../../src/engine/providers/provider-http.js';
import { ProviderError } from '../../../src/core/model-provider.js';

describe('parseRetryAfter', () => {
  it('reads delta-seconds, retry-after-ms and HTTP dates', () => {
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': '30' })), 30);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after-ms': '1500', 'retry-after': '2' })), 1.5);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:20 GMT' }), now), 20);
    assert.equal(parseRetryAfter({ 'retry-after': '4' }), 4);
  });

  it('is undefined when absent or unreadable', () => {
    assert.equal(parseRetryAfter(new Headers()), undefined);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'soon' })), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});

describe('toProviderError', () => {
  it('classifies statuses: 408/409/425/429/5xx retryable, other 4xx not', () => {
    for (const status of [408, 409, 425, 429, 500, 503, 529]) {
      const err = toProviderError(Object.assign(new Error('x'), { status }));
      assert.ok(err instanceof ProviderError && err.retryable && err.status === status, String(status));
    }
    for (const status of [400, 401, 403, 404, 422]) {
      const err = toProviderError(Object.assign(new Error('x'), { status }));
      assert.ok(err instanceof ProviderError && !err.retryable, String(status));
    }
  });

  it('classifies mid-stream vendor error types and treats transport failures as retryable', () => {
    const overloaded = toProviderError(Object.assign(new Error('Overloaded'), { type: 'overloaded_error' }));
    assert.ok(overloaded instanceof ProviderError && overloaded.retryable);
    const invalid = toProviderError(Object.assign(new Error('bad'), { error: { type: 'invalid_request_error' } }));
    assert.ok(invalid instanceof ProviderError && !invalid.retryable);
    const reset = toProviderError(new TypeError('fetch failed'));
    assert.ok(reset instanceof ProviderError && reset.retryable && reset.status === undefined);
  });

  it("returns the signal's reason when the caller aborted", () => {
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    const err = toProviderError(Object.assign(new Error('x'), { status: 500 }), controller.signal);
    assert.equal((err as Error).message, 'shutting down');
  });
});
