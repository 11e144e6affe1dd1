import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics } from '../../src/ops/metrics.js';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { startHearth } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';

describe('metrics', () => {
  it('exposes turns, model calls, queue depth, channel and skill health', async () => {
    const skills = [{ name: 'weather', state: 'ready', calls: 7, errors: 2, timeouts: 1, restarts: 3 }];
    const m = new Metrics({
      queueDepth: () => 4,
      channels: () => [{ name: 'telegram', state: 'backing-off' }],
      skills: () => skills,
    });
    m.turn('webchat', 'ok', 0.3);
    m.modelCall('main', 'error', 1.2);
    const text = await m.registry.metrics();
    assert.match(text, /hearth_turns_total\{channel="webchat",outcome="ok"\} 1/);
    assert.match(text, /hearth_model_calls_total\{model="main",outcome="error"\} 1/);
    assert.match(text, /hearth_queue_depth 4/);
    assert.match(text, /hearth_channel_state\{channel="telegram",state="backing-off"\} 1/);
    assert.match(text, /hearth_skill_errors\{skill="weather"\} 2/);
    assert.match(text, /hearth_skill_restarts\{skill="weather"\} 3/);
    assert.match(text, /process_resident_memory_bytes/);
  });

  it('counts real turns at /metrics on the running process', async () => {
    const model = await startOpenAIFake();
    const h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl } });
    try {
      await chatOverWs(h.baseUrl, 'count me');
      const res = await fetch(`${h.baseUrl}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /hearth_turns_total\{channel="webchat",outcome="ok"\} 1/);
      assert.match(text, /hearth_model_calls_total\{model="env",outcome="ok"\} 1/);
      assert.match(text, /hearth_message_latency_seconds_count\{channel="webchat"\} 1/);
      assert.match(text, /hearth_skill_up\{skill="clock"\} 1/);
    } finally {
      await h.stop();
      await model.close();
    }
  });
});
