/**
 * The gateway's claim map of exactly-once replies: an entry whose final event never arrives (the
 * engine died mid-reply) is forgotten after the claim's lifetime instead of staying forever.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Redis } from 'ioredis';
import { busKeys } from '../../src/bus/bus-keys.js';
import { OutboundFanout } from '../../src/bus/outbound-fanout.js';
import type { Outbound } from '../../src/core/message.js';
import { message, REDIS_URL, reply } from './bus-fixtures.js';

const cmd = new Redis(REDIS_URL, { lazyConnect: true });
after(() => cmd.quit());

async function until(probe: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a reply whose final event never comes leaves the claim map after the claim lifetime', async () => {
  await cmd.connect();
  const prefix = `hearth-test:${randomBytes(4).toString('hex')}:`;
  const keys = busKeys(prefix);
  const fanout = new OutboundFanout(cmd, new Redis(REDIS_URL), keys, {
    gatewayId: 'gw-1',
    fanOutChannels: new Set(['webchat']),
    log: pino({ level: 'silent' }),
    claimTtlMs: 300,
  });
  const seen: Outbound[] = [];
  fanout.subscribe('telegram', async (out) => void seen.push(out));
  try {
    const m = message('42', 1, 'telegram');
    // The engine starts a reply and dies. The reader begins after the stream's newest entry, so the
    // start event is published again until the reader (which may still be starting) has seen it.
    const deadline = Date.now() + 20_000;
    while (seen.length === 0 && Date.now() < deadline) {
      await cmd.xadd(keys.outbound, '*', 'o', JSON.stringify(reply(m, 'start')));
      await until(() => seen.length > 0, 'the start event delivered', 500).catch(() => undefined);
    }
    assert.ok(seen.length > 0, 'the start event was delivered');
    assert.equal(fanout.pendingClaims(), 1, 'the reply is claimed');
    await until(() => fanout.pendingClaims() === 0, 'the stale claim forgotten');
  } finally {
    await fanout.stop();
    const stale = await cmd.keys(`${prefix}*`);
    if (stale.length) await cmd.del(...stale);
  }
});
