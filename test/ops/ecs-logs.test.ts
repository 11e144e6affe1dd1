/**
 * Every line the real `hearth` process writes is an ECS document: the pinned base fields, only ECS
 * field names outside Hearth's own `hearth.*` namespace, each with the type the ECS field definitions
 * give it; request lines carry request id, channel, processing time and error code.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { startHearth } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';

/** The ECS 8.10 fields Hearth writes, with their ECS types (https://www.elastic.co/guide/en/ecs/8.10/ecs-field-reference.html). */
const ECS_FIELDS: Record<string, 'date' | 'keyword' | 'long' | 'text'> = {
  '@timestamp': 'date',
  'ecs.version': 'keyword',
  'log.level': 'keyword',
  message: 'text',
  'service.name': 'keyword',
  'event.dataset': 'keyword',
  'event.duration': 'long',
  'http.request.id': 'keyword',
  'http.request.method': 'keyword',
  'http.response.status_code': 'long',
  'url.path': 'keyword', // wildcard in ECS: a string
  'error.code': 'keyword',
  'error.type': 'keyword',
  'error.message': 'text',
  'error.stack_trace': 'keyword',
  'labels.channel': 'keyword', // labels.* are keywords
  'trace.id': 'keyword',
  'span.id': 'keyword',
};
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

function checkEcsLine(text: string): Record<string, unknown> {
  const line = JSON.parse(text) as Record<string, unknown>;
  assert.equal(typeof line, 'object', text);
  for (const key of ['@timestamp', 'log.level', 'message', 'ecs.version'])
    assert.ok(key in line, `missing ${key}: ${text}`);
  assert.ok(!Number.isNaN(Date.parse(String(line['@timestamp']))) && String(line['@timestamp']).endsWith('Z'), text);
  assert.ok(LEVELS.includes(String(line['log.level'])), text);
  assert.match(String(line['ecs.version']), /^8\.\d+\.\d+$/);
  for (const [key, value] of Object.entries(line)) {
    if (key.startsWith('hearth.')) continue;
    const type = ECS_FIELDS[key];
    assert.ok(type, `${key} is neither an ECS field nor under hearth.*: ${text}`);
    if (type === 'long') assert.ok(Number.isInteger(value), `${key} must be an integer: ${text}`);
    else assert.equal(typeof value, 'string', `${key} must be a string: ${text}`);
  }
  return line;
}

describe('ECS logs of the real process', () => {
  it('writes only ECS lines; request lines carry request id, channel, duration and error code', async () => {
    const model = await startOpenAIFake();
    model.setReply((body) =>
      JSON.stringify(body).includes('please fail') ? { status: 500, errorMessage: 'boom' } : { text: 'fine' },
    );
    const h = await startHearth({
      timeoutMs: 90_000,
      env: { HEARTH_LOG_LEVEL: 'debug' },
      config: `models:\n  default: a\n  retries: 0\n  catalog:\n    a: { provider: openai, baseUrl: "${model.baseUrl}", model: ma }\n`,
    }).catch(async (err: unknown) => {
      await model.close();
      throw err;
    });
    try {
      assert.equal((await chatOverWs(h.baseUrl, 'hello')).events.at(-1)!.text, 'fine');
      const failed = await fetch(`${h.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'please fail' }] }),
      });
      assert.ok(failed.status >= 500, `a failed model call answers 5xx, got ${failed.status}`);
      const code = ((await failed.json()) as { error: { code: string } }).error.code;
      const line = await h.waitForLog((l) => l.msg === 'request' && l.path === '/v1/chat/completions');
      assert.equal(line['error.code'], code);
      assert.equal(line['labels.channel'], 'api');
      assert.equal(line['http.request.id'], failed.headers.get('x-request-id'));
      assert.equal(typeof line['event.duration'], 'number');
      assert.equal(line['http.response.status_code'], failed.status);
      const turn = await h.waitForLog((l) => l.msg === 'turn answered' && l.channel === 'webchat');
      assert.equal(typeof turn['http.request.id'], 'string');
      assert.equal(turn['labels.channel'], 'webchat');
    } finally {
      await h.stop();
      await model.close();
    }
    assert.ok(h.rawLines.length > 5, 'the process logged');
    for (const text of h.rawLines) checkEcsLine(text);
    assert.deepEqual(h.stderr, [], 'nothing but ECS lines on the output');
    assert.ok(!h.rawLines.join('\n').includes(h.token), 'the API token is never logged');
  });

  it("writes pino's JSON with log.format: json, and text for a terminal with pretty", async () => {
    const json = await startHearth({ env: { HEARTH_LOG_FORMAT: 'json' }, timeoutMs: 90_000 });
    await json.stop();
    const listening = JSON.parse(json.rawLines.find((l) => l.includes('"listening"'))!) as Record<string, unknown>;
    assert.equal(listening.level, 30);
    assert.equal(listening.msg, 'listening');
    assert.equal(listening['ecs.version'], undefined);

    const logger = new URL('../../src/gateway/logger.js', import.meta.url).href;
    const script = `import(${JSON.stringify(logger)}).then((m) => m.createLogger('info', [], 'pretty').info({ channel: 'webchat' }, 'hello terminal'))`;
    const out = execFileSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
    });
    assert.match(out, /INFO.*hello terminal/);
    assert.match(out, /channel: "webchat"/);
    assert.throws(() => JSON.parse(out.split('\n')[0]!));
  });
});
