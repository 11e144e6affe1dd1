/**
 * Client-defined tools through the OpenAI-compatible API, with the official `openai` client and the
 * Vercel AI SDK's OpenAI-compatible provider pointed at a real gateway (whose model is the fake
 * OpenAI server): the client's tools reach the model beside the agent's, a call to one comes back to
 * the client in the OpenAI format (streamed and not), the client's tool results continue the turn,
 * and a call to one of the agent's own tools still runs inside Hearth.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { startGateway, TOKEN, type InProcessGateway } from './in-process.js';
import type { Json } from '../json.js';

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

/** The fake model: calls the client's weather tool, then answers from the tool result it is sent. */
function weatherModel(body: Json) {
  const messages: Json[] = body?.messages ?? [];
  const result = messages.find((m) => m.role === 'tool');
  if (result) return { text: `In Paris it is ${result.content}.` };
  return { toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] };
}

function offeredToolNames(body: Json): string[] {
  return (body?.tools ?? []).map((t: Json) => t.function.name);
}

describe('OpenAI-compatible API: client tools', () => {
  let g: InProcessGateway;
  let client: OpenAI;
  before(async () => {
    g = await startGateway('agents:\n  default:\n    systemPrompt: "You are the house assistant."\n');
    client = new OpenAI({ baseURL: `${g.hearth.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
  });
  after(() => g.close());
  beforeEach(() => g.fake.setReply(weatherModel));

  it('openai client, not streamed: the call comes back as tool_calls, the tool result continues the turn', async () => {
    const first = await client.chat.completions.create({
      model: 'env',
      messages: [{ role: 'user', content: 'What is the weather in Paris? Also calculate 2+2 later.' }],
      tools: [weatherTool],
    });
    const offered = offeredToolNames(g.fake.requests.at(-1)!.body);
    assert.ok(offered.includes('get_weather'), `client tool offered: ${offered}`);
    assert.ok(offered.includes('calculate'), `the agent's own tools are offered beside it: ${offered}`);
    const choice = first.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    const call = choice.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
    assert.match(call.id, /^call_/);

    const requestsBefore = g.fake.requests.length;
    const second = await client.chat.completions.create({
      model: 'env',
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        choice.message,
        { role: 'tool', tool_call_id: call.id, content: 'sunny, 24 °C' },
      ],
      tools: [weatherTool],
    });
    assert.equal(second.choices[0].finish_reason, 'stop');
    assert.equal(second.choices[0].message.content, 'In Paris it is sunny, 24 °C.');
    assert.equal(g.fake.requests.length, requestsBefore + 1);
    const sent: Json[] = g.fake.requests.at(-1)!.body.messages;
    assert.deepEqual(
      sent.map((m) => m.role),
      ['system', 'user', 'assistant', 'tool'],
    );
    assert.equal(sent[2].tool_calls[0].id, call.id);
    assert.equal(sent[2].tool_calls[0].function.name, 'get_weather');
    assert.equal(sent[3].tool_call_id, call.id);
    assert.equal(sent[3].content, 'sunny, 24 °C');
  });

  it('openai client, streamed: delta.tool_calls chunks assemble into the call, and the follow-up streams the answer', async () => {
    const stream = client.chat.completions.stream({
      model: 'env',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
    });
    const toolDeltas: unknown[] = [];
    stream.on('chunk', (c) => {
      if (c.choices[0]?.delta?.tool_calls) toolDeltas.push(...c.choices[0].delta.tool_calls);
    });
    const done = await stream.finalChatCompletion();
    assert.equal(done.choices[0].finish_reason, 'tool_calls');
    const call = done.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
    assert.ok(toolDeltas.length >= 1, 'the call arrived as delta.tool_calls chunks');
    assert.equal((toolDeltas[0] as { index: number }).index, 0);

    const follow = await client.chat.completions.create({
      model: 'env',
      stream: true,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'rainy' },
      ],
      tools: [weatherTool],
    });
    let text = '';
    let finish: string | null = null;
    for await (const c of follow) {
      text += c.choices[0]?.delta?.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(text, 'In Paris it is rainy.');
    assert.equal(finish, 'stop');
  });

  it("a call to one of the agent's own tools runs inside Hearth; the client only sees the answer", async () => {
    g.fake.setReply((body) => {
      const messages: Json[] = body?.messages ?? [];
      const result = messages.find((m) => m.role === 'tool');
      if (result) return { text: `The sum is ${result.content}.` };
      return { toolCalls: [{ name: 'calculate', arguments: '{"expression":"2+3"}' }] };
    });
    const res = await client.chat.completions.create({
      model: 'env',
      messages: [{ role: 'user', content: 'calculate 2+3' }],
      tools: [weatherTool],
    });
    assert.equal(res.choices[0].finish_reason, 'stop');
    assert.equal(res.choices[0].message.tool_calls, undefined);
    assert.equal(res.choices[0].message.content, 'The sum is 2+3 = 5.');
  });

  it("a step calling both kinds returns the client's call and runs none of the agent's", async () => {
    g.fake.setReply(() => ({
      toolCalls: [
        { name: 'calculate', arguments: '{"expression":"6*7"}' },
        { name: 'get_weather', arguments: '{"city":"Oslo"}' },
      ],
    }));
    const requestsBefore = g.fake.requests.length;
    const res = await client.chat.completions.create({
      model: 'env',
      messages: [{ role: 'user', content: 'calculate 6*7 and tell me the weather in Oslo' }],
      tools: [weatherTool],
    });
    assert.equal(res.choices[0].finish_reason, 'tool_calls');
    const calls = res.choices[0].message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    assert.deepEqual(
      calls.map((c) => c.function.name),
      ['get_weather'],
    );
    assert.equal(g.fake.requests.length, requestsBefore + 1, 'the model was called once: no agent tool ran');
  });

  it('tool_choice reaches the model: required, and a named tool is the only one offered', async () => {
    await client.chat.completions.create({
      model: 'env',
      messages: [{ role: 'user', content: 'calculate 1+1 or the weather' }],
      tools: [weatherTool],
      tool_choice: 'required',
    });
    assert.equal(g.fake.requests.at(-1)!.body.tool_choice, 'required');

    await client.chat.completions.create({
      model: 'env',
      messages: [{ role: 'user', content: 'calculate 1+1 or the weather' }],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const body = g.fake.requests.at(-1)!.body;
    assert.deepEqual(body.tool_choice, { type: 'function', function: { name: 'get_weather' } });
    assert.deepEqual(offeredToolNames(body), ['get_weather']);

    g.fake.setReply(() => ({ text: 'no tools' }));
    await client.chat.completions.create({
      model: 'env',
      messages: [{ role: 'user', content: 'the weather' }],
      tools: [weatherTool],
      tool_choice: 'none',
    });
    assert.ok(!offeredToolNames(g.fake.requests.at(-1)!.body).includes('get_weather'), 'none: not offered');
  });

  it('a tool result answering no call, and a named tool_choice outside tools, are 400s naming the parameter', async () => {
    const before = g.fake.requests.length;
    await assert.rejects(
      client.chat.completions.create({
        model: 'env',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'tool', tool_call_id: 'call_nowhere', content: 'x' },
        ],
        tools: [weatherTool],
      }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === 'messages[1].tool_call_id',
    );
    await assert.rejects(
      client.chat.completions.create({
        model: 'env',
        messages: [{ role: 'user', content: 'hi' }],
        tools: [weatherTool],
        tool_choice: { type: 'function', function: { name: 'launch_rocket' } },
      }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === 'tool_choice',
    );
    assert.equal(g.fake.requests.length, before, 'the model was never called');
  });

  describe('Vercel AI SDK (@ai-sdk/openai-compatible)', () => {
    const sdkTool = (runs: string[]) =>
      tool({
        description: 'The weather in a city',
        inputSchema: jsonSchema<{ city: string }>({
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
        }),
        execute: async ({ city }) => {
          runs.push(city);
          return 'sunny';
        },
      });
    const model = () =>
      createOpenAICompatible({ name: 'hearth', baseURL: `${g.hearth.url}/v1`, apiKey: TOKEN }).chatModel('env');

    it('generateText: the SDK runs the tool Hearth returned and its result continues the turn', async () => {
      const runs: string[] = [];
      const result = await generateText({
        model: model(),
        prompt: 'What is the weather in Paris?',
        tools: { get_weather: sdkTool(runs) },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      assert.deepEqual(runs, ['Paris']);
      assert.equal(result.steps.length, 2);
      assert.equal(result.steps[0].finishReason, 'tool-calls');
      assert.match(result.text, /^In Paris it is "?sunny"?\.$/);
    });

    it('streamText: the tool call streams in, the SDK runs it, the answer streams back', async () => {
      const runs: string[] = [];
      const result = streamText({
        model: model(),
        prompt: 'What is the weather in Paris?',
        tools: { get_weather: sdkTool(runs) },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      const kinds = new Set<string>();
      for await (const part of result.fullStream) {
        kinds.add(part.type);
        if (part.type === 'error') throw part.error;
      }
      assert.ok(kinds.has('tool-call'), [...kinds].join(','));
      assert.deepEqual(runs, ['Paris']);
      assert.match(await result.text, /^In Paris it is "?sunny"?\.$/);
      assert.equal((await result.steps).length, 2);
    });

    it('an unsupported setting is a 400 naming it', async () => {
      await assert.rejects(
        generateText({ model: model(), prompt: 'hi', temperature: 0.3, maxRetries: 0 }),
        (err: Error & { statusCode?: number; responseBody?: string }) => {
          assert.equal(err.statusCode, 400);
          assert.match(err.responseBody ?? '', /"param":"temperature"/);
          return true;
        },
      );
    });

    it("one system message reaches the model: the agent's and the SDK's system prompt joined", async () => {
      g.fake.setReply(() => ({ text: 'ok' }));
      await generateText({ model: model(), system: 'Answer in French.', prompt: 'hello', maxRetries: 0 });
      const sent: Json[] = g.fake.requests.at(-1)!.body.messages;
      const systems = sent.filter((m) => m.role === 'system');
      assert.equal(systems.length, 1, JSON.stringify(sent));
      assert.equal(sent[0].role, 'system');
      assert.match(systems[0].content, /^You are the house assistant\.[\s\S]*Answer in French\.$/);
    });
  });
});
