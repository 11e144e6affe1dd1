/**
 * The small chaos run inside `npm test`: 200 messages over 40 conversations through 2 gateways
 * and 2 engines (separate processes), one engine killed with SIGKILL mid-stream. Every message must
 * be answered once, in order. `npm run chaos` runs the full 1,000-message version with more faults.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { chaosLine, runChaos } from './run-chaos.js';

it('loses, duplicates and reorders nothing when an engine is killed mid-stream', { timeout: 60_000 }, async () => {
  const r = await runChaos({
    messages: 200,
    conversations: 40,
    sendOverMs: 7000,
    killEngineAtMs: 2500,
    settleMs: 25_000,
  });
  assert.equal(chaosLine(r), 'chaos: sent=200 answered=200 lost=0 duplicated=0 reordered=0');
});
