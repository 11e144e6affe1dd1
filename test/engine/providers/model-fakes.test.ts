/**
 * The model fakes themselves, driven by the official clients: non-streaming answers, the echo
 * default, listings, close() with hanging connections, and the standalone OpenAI fake process.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';
import { startOpenAIFake } from '../../fakes/openai-server.js';
import { startAnthropicFake } from '../../fakes/anthropic-server.js';
import { startOllamaFake } from '../../fakes/ollama-server.js';
import { splitKeepingSpaces } from '../../fakes/fake-reply.js';

describe('model fakes', () => {
  it('split the echo on spaces, keeping them', () => {
    assert.deepEqual(splitKeepingSpaces('You said: hi  there'), ['You ', 'said: ', 'hi  ', 'there']);
  });

  it('OpenAI fake: echo by default, non-streaming chat.completion, tool calls, /v1/models', async () => {
    const fake = await startOpenAIFake();
    try {
      const client = new OpenAI({ baseURL: fake.baseUrl, apiKey: 'k', maxRetries: 0 });
      const chunks: string[] = [];
      for await (const chunk of await client.chat.completions.create({
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'ping pong' }],
      })) {
        if (chunk.choices[0]?.delta.content) chunks.push(chunk.choices[0].delta.content);
      }
      assert.deepEqual(chunks, ['You ', 'said: ', 'ping ', 'pong']);

      const plain = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hello' }],
      });
      assert.equal(plain.object, 'chat.completion');
      assert.equal(plain.choices[0].message.content, 'You said: hello');
      assert.equal(plain.choices[0].finish_reason, 'stop');
      assert.ok(plain.usage && plain.usage.total_tokens === plain.usage.prompt_tokens + plain.usage.completion_tokens);

      fake.setReply(() => ({ toolCalls: [{ name: 'f', arguments: '{"a":1}' }] }));
      const withTool = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
      const call = withTool.choices[0].message.tool_calls?.[0];
      assert.equal(call?.type === 'function' && call.function.arguments, '{"a":1}');
      assert.equal(withTool.choices[0].finish_reason, 'tool_calls');

      const models = await client.models.list();
      assert.ok(
        models.data.length > 0 &&
          models.data.every((m) => m.object === 'model' && typeof m.created === 'number' && m.owned_by),
      );
      assert.equal(fake.requests.at(-1)?.path, '/v1/models');
    } finally {
      await fake.close();
    }
  });

  it('OpenAI fake: checks the key when given one', async () => {
    const fake = await startOpenAIFake({ apiKey: 'right' });
    try {
      const err = await new OpenAI({ baseURL: fake.baseUrl, apiKey: 'wrong', maxRetries: 0 }).models
        .list()
        .catch((e) => e);
      assert.equal(err.status, 401);
      assert.equal(err.code, 'invalid_api_key');
    } finally {
      await fake.close();
    }
  });

  it('Anthropic fake: non-streaming message with text and tool_use, error JSON', async () => {
    const fake = await startAnthropicFake();
    try {
      const client = new Anthropic({ baseURL: fake.baseUrl, apiKey: 'k', maxRetries: 0 });
      const message = await client.messages.create({
        model: 'm',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hello' }],
      });
      assert.equal(message.type, 'message');
      assert.deepEqual(
        message.content.map((b) => b.type === 'text' && b.text),
        ['You said: hello'],
      );
      assert.equal(message.stop_reason, 'end_turn');

      fake.setReply(() => ({ text: 'ok', toolCalls: [{ name: 'f', arguments: '{"a":1}' }] }));
      const withTool = await client.messages.create({
        model: 'm',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      });
      assert.deepEqual(
        withTool.content.map((b) => b.type),
        ['text', 'tool_use'],
      );
      assert.equal(withTool.stop_reason, 'tool_use');

      fake.setReply(() => ({ status: 404, errorMessage: 'model: nope' }));
      const err = await client.messages
        .create({ model: 'nope', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
        .catch((e) => e);
      assert.equal(err.status, 404);
      assert.deepEqual(err.error?.error, { type: 'not_found_error', message: 'model: nope' });
    } finally {
      await fake.close();
    }
  });

  it('Ollama fake: non-streaming chat, streaming by default, /api/tags', async () => {
    const fake = await startOllamaFake();
    try {
      const client = new Ollama({ host: fake.baseUrl });
      const reply = await client.chat({ model: 'm', messages: [{ role: 'user', content: 'hello' }] });
      assert.equal(reply.message.content, 'You said: hello');
      assert.equal(reply.done, true);
      assert.equal(reply.done_reason, 'stop');
      assert.ok(reply.prompt_eval_count > 0 && reply.eval_count > 0);

      const raw = await fetch(`${fake.baseUrl}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'a b' }] }),
      });
      const lines = (await raw.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => l.done),
        [false, false, false, false, true],
        'streams when `stream` is omitted',
      );

      const tags = await client.list();
      assert.ok(tags.models.length > 0);
    } finally {
      await fake.close();
    }
  });

  it('close() cuts hanging connections so nothing waits', async () => {
    for (const start of [startOpenAIFake, startAnthropicFake, startOllamaFake]) {
      const fake = await start();
      fake.setReply(() => ({ hang: true }));
      const pending = fetch(`${fake.baseUrl.replace(/\/v1$/, '')}/v1/chat/completions`, {
        method: 'POST',
        body: '{}',
      }).catch((e) => e);
      while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      const started = Date.now();
      await fake.close();
      assert.ok((await pending) instanceof Error, 'the hanging request fails once the fake closes');
      assert.ok(Date.now() - started < 1000);
    }
  });

  it('the OpenAI fake runs standalone: prints its baseUrl, serves the echo, exits 0 on SIGTERM', async () => {
    const script = fileURLToPath(new URL('../../fakes/openai-server.js', import.meta.url));
    const child = spawn(process.execPath, [script, '--port', '0', '--delay-ms', '1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = await once(createInterface({ input: child.stdout }), 'line');
      const { baseUrl } = JSON.parse(line as string);
      assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const client = new OpenAI({ baseURL: baseUrl, apiKey: 'k', maxRetries: 0 });
      let text = '';
      for await (const chunk of await client.chat.completions.create({
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'standalone' }],
      })) {
        text += chunk.choices[0]?.delta.content ?? '';
      }
      assert.equal(text, 'You said: standalone');
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
