/**
 * A flood of malformed requests from one address must not lock the owner out: authenticated
 * callers are counted per user or token, the per-IP counter is for unauthenticated traffic and
 * failed authentication.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, startGateway, TOKEN, type InProcessGateway } from './in-process.js';

describe('rate limits and the owner', () => {
  let g: InProcessGateway;
  before(async () => {
    g = await startGateway('{}\n');
  });
  after(() => g.close());

  it('2,000 malformed requests from one address leave the admin token answered', async () => {
    const statuses = new Map<number, number>();
    const garbage = () =>
      fetch(`${g.hearth.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer garbage' },
        body: '{"messages": [',
      }).then(async (r) => {
        await r.arrayBuffer();
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      });
    for (let sent = 0; sent < 2000; sent += 50) await Promise.all(Array.from({ length: 50 }, garbage));
    assert.ok((statuses.get(429) ?? 0) > 1000, `the address was limited: ${JSON.stringify([...statuses])}`);

    // The owner's next valid request: answered, at most after a short wait the server asks for.
    let res = await fetch(`${g.hearth.url}/admin/models`, { headers: bearer(TOKEN) });
    if (res.status === 429) {
      const wait = Number(res.headers.get('retry-after'));
      assert.ok(wait <= 2, `the owner was told to wait ${wait} s`);
      await new Promise((r) => setTimeout(r, wait * 1000));
      res = await fetch(`${g.hearth.url}/admin/models`, { headers: bearer(TOKEN) });
    }
    assert.equal(res.status, 200);
    const chat = await fetch(`${g.hearth.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(TOKEN) },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'still there?' }] }),
    });
    assert.equal(chat.status, 200);
  });

  it('an authenticated caller is still limited, per token', async () => {
    // 600 per minute by default; the previous test spent none of the token's budget on garbage.
    const res = await fetch(`${g.hearth.url}/admin/models`, { headers: bearer(TOKEN) });
    assert.equal(res.status, 200);
    assert.ok(
      Number(res.headers.get('ratelimit-remaining')) >= 590,
      `remaining ${res.headers.get('ratelimit-remaining')}`,
    );
    assert.equal(res.headers.get('ratelimit-limit'), '600', 'counted against the per-user limit');
  });
});
