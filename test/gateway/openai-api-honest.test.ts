/**
 * The OpenAI-compatible API is honest about what it supports, tested with the official `openai`
 * client: a parameter Hearth would ignore (sampling settings, strict tool schemas, image parts) is a 400
 * naming it and never reaches the model; a client's system message and the agent's reach the model
 * as one system message, at the top.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, TOKEN, type InProcessGateway } from './in-process.js';

describe('OpenAI-compatible API: what it supports, it says', () => {
  let g: InProcessGateway;
  let client: OpenAI;
  before(async () => {
    g = await startGateway('agents:\n  default:\n    systemPrompt: "You are the house assistant."\n');
    client = new OpenAI({ baseURL: `${g.hearth.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
  });
  after(() => g.close());

  async function refused(request: Record<string, unknown>, param: string): Promise<void> {
    const before = g.fake.requests.length;
    await assert.rejects(
      client.chat.completions.create({
        model: 'env',
        messages: [{ role: 'user', content: 'hi' }],
        ...request,
      } as never),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.BadRequestError, String(err));
        assert.equal(err.status, 400);
        assert.equal(err.param, param);
        assert.match(err.message, new RegExp(`unsupported parameter: ${param.replace(/[[\]]/g, '\\$&')}`));
        return true;
      },
    );
    assert.equal(g.fake.requests.length, before, `${param}: the model was never called`);
  }

  it('tool settings Hearth cannot honour are refused with a 400 naming them', async () => {
    const tool = (extra: Record<string, unknown> = {}) => ({
      type: 'function' as const,
      function: { name: 'get_weather', parameters: { type: 'object', properties: {} }, ...extra },
    });
    await refused({ tools: [tool()], parallel_tool_calls: false }, 'parallel_tool_calls');
    await refused({ tools: [tool({ strict: true })] }, 'tools[0].function.strict');
  });

  it('sampling and format parameters are refused, not silently ignored', async () => {
    await refused({ temperature: 0.2 }, 'temperature');
    await refused({ max_tokens: 10 }, 'max_tokens');
    await refused({ response_format: { type: 'json_object' } }, 'response_format');
    await refused({ n: 2 }, 'n');
  });

  it('message content Hearth would drop (an image part) is refused', async () => {
    await refused(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this?' },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            ],
          },
        ],
      },
      'messages[0].content[1]',
    );
    await refused({ messages: [{ role: 'user', content: 'hi', audio: { id: 'a1' } }] }, 'messages[0].audio');
  });

  it('what it supports still works: null and n: 1 count as not set', async () => {
    const res = await client.chat.completions.create({
      model: 'env',
      messages: [{ role: 'user', content: 'plain' }],
      n: 1,
      user: 'ada',
      temperature: null,
    } as never);
    assert.equal((res as OpenAI.ChatCompletion).choices[0].message.content, 'You said: plain');
  });

  it("the client's system message joins the agent's: the model gets one system message, first", async () => {
    await client.chat.completions.create({
      model: 'env',
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'bonjour' },
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'how are you' },
      ],
    });
    const sent = g.fake.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>;
    const systems = sent.filter((m) => m.role === 'system');
    assert.equal(systems.length, 1, JSON.stringify(sent));
    assert.equal(sent[0].role, 'system');
    assert.match(systems[0].content, /^You are the house assistant\.[\s\S]*Answer in French\.[\s\S]*Be brief\.$/);
    assert.deepEqual(
      sent.slice(1).map((m) => m.role),
      ['user', 'assistant', 'user'],
    );
  });
});
