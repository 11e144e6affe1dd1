/**
 * Failover of gateway replicas on the Redis bus: 2 gateways and 2 engines (separate processes),
 * one gateway killed with SIGKILL mid-conversation. Its web chat clients reconnect to the other
 * gateway and continue; every message is answered once, in order — none lost, none duplicated.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { chaosLine, runChaos } from './run-chaos.js';

it('loses and duplicates nothing when a gateway is killed mid-conversation', { timeout: 120_000 }, async () => {
  const r = await runChaos({
    messages: 120,
    conversations: 24,
    sendOverMs: 7000,
    killGatewayAtMs: 2500,
    settleMs: 30_000,
  });
  assert.equal(chaosLine(r), 'chaos: sent=120 answered=120 lost=0 duplicated=0 reordered=0');
  assert.ok(r.reconnects > 0, 'clients of the killed gateway reconnected to the other one');
});
