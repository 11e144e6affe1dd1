/**
 * OpenTelemetry: a web chat turn with a tool call is one connected trace at an OTLP/HTTP receiver
 * (receive → turn → model calls and the tool call → delivery), in one process and across a gateway
 * and an engine process on the Redis bus; log lines of the turn carry its trace.id.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startOtlpReceiver, type ReceivedSpan } from '../fakes/otlp-receiver.js';
import { startHearth, type HearthProcess } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';

function toolCallingModel(model: ModelFake): void {
  model.setReply((body) => {
    const messages = body.messages as Array<{ role: string }>;
    return messages.some((m) => m.role === 'tool')
      ? { text: 'It is late.', usage: { promptTokens: 12, completionTokens: 3 } }
      : { toolCalls: [{ name: 'time_now', arguments: '{}' }] };
  });
}

/** The spans of the trace whose root is the receive span, checked for shape. */
function checkTurnTrace(spans: ReceivedSpan[]): ReceivedSpan[] {
  const root = spans.find((s) => s.name === 'receive webchat' && !s.parentSpanId);
  assert.ok(root, `a root receive span; got ${spans.map((s) => s.name).join(', ')}`);
  const trace = spans.filter((s) => s.traceId === root.traceId);
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const parentOf = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
  const turn = trace.find((s) => s.name === 'turn webchat');
  assert.ok(turn, 'a turn span');
  assert.equal(parentOf(turn)?.spanId, root.spanId, 'the turn is a child of the receive span (through the bus)');
  const chats = trace.filter((s) => s.name.startsWith('chat '));
  assert.equal(chats.length, 2, 'two model calls: the tool call, then the answer');
  for (const c of chats) {
    assert.equal(parentOf(c)?.spanId, turn.spanId);
    assert.equal(c.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(c.attributes['gen_ai.request.model'], 'ma');
  }
  assert.ok(
    chats.some(
      (c) => c.attributes['gen_ai.usage.input_tokens'] === 12 && c.attributes['gen_ai.usage.output_tokens'] === 3,
    ),
    'token usage on the model span',
  );
  const tool = trace.find((s) => s.name === 'execute_tool time_now');
  assert.ok(tool, 'a tool span');
  assert.equal(parentOf(tool)?.spanId, turn.spanId);
  const deliver = trace.find((s) => s.name === 'deliver webchat');
  assert.ok(deliver, 'a delivery span');
  assert.equal(parentOf(deliver)?.spanId, turn.spanId);
  for (const s of trace) if (s !== root) assert.ok(parentOf(s), `${s.name} hangs in the trace`);
  return trace;
}

const modelConfig = (model: ModelFake) =>
  `models:\n  default: a\n  catalog:\n    a: { provider: openai, baseUrl: "${model.baseUrl}", model: ma }\n`;

describe('OpenTelemetry traces', () => {
  it('one trace for a web chat turn with a tool call, in one process', async () => {
    const otlp = await startOtlpReceiver();
    const model = await startOpenAIFake();
    toolCallingModel(model);
    let h: HearthProcess | undefined;
    try {
      h = await startHearth({
        env: { HEARTH_TRACING_ENDPOINT: otlp.url },
        config: modelConfig(model),
        timeoutMs: 90_000,
      });
      assert.equal((await chatOverWs(h.baseUrl, 'what time is it')).events.at(-1)!.text, 'It is late.');
      const turnLine = await h.waitForLog((l) => l.msg === 'turn answered');
      await h.stop(); // flushes the spans
      await otlp.waitFor((spans) => spans.some((s) => s.name === 'deliver webchat'));
      const trace = checkTurnTrace(otlp.spans);
      assert.equal(turnLine['trace.id'], trace[0]!.traceId, 'the log line carries the trace id');
      assert.equal(typeof turnLine['span.id'], 'string');
    } finally {
      await h?.stop();
      await model.close();
      await otlp.close();
    }
  });

  it('one trace across a gateway and an engine process (context in the bus message)', async () => {
    const otlp = await startOtlpReceiver();
    const model = await startOpenAIFake();
    toolCallingModel(model);
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-traces-'));
    const prefix = `hearth:test:${randomBytes(4).toString('hex')}:`;
    const config = `bus: { kind: redis, prefix: "${prefix}" }\n${modelConfig(model)}`;
    const env = { HEARTH_TRACING_ENDPOINT: otlp.url };
    let engine: HearthProcess | undefined;
    let gateway: HearthProcess | undefined;
    try {
      engine = await startHearth({ command: 'engine', config, dataDir, env, timeoutMs: 90_000 });
      gateway = await startHearth({ command: 'gateway', config, dataDir, env, timeoutMs: 90_000 });
      assert.equal((await chatOverWs(gateway.baseUrl, 'what time is it')).events.at(-1)!.text, 'It is late.');
      await gateway.stop();
      await engine.stop();
      await otlp.waitFor(
        (spans) => spans.some((s) => s.name === 'deliver webchat') && spans.some((s) => s.name === 'turn webchat'),
      );
      const trace = checkTurnTrace(otlp.spans);
      const roleOf = (name: string) => trace.find((s) => s.name === name)!.role;
      assert.equal(roleOf('receive webchat'), 'gateway');
      assert.equal(roleOf('deliver webchat'), 'gateway');
      assert.equal(roleOf('turn webchat'), 'engine');
      assert.equal(roleOf('execute_tool time_now'), 'engine');
      assert.ok(trace.every((s) => s.service === 'hearth'));
    } finally {
      await gateway?.stop();
      await engine?.stop();
      await model.close();
      await otlp.close();
    }
  });
});
