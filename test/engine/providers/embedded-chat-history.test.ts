import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { toLlamaFunctions, toLlamaHistory } from '../../../src/engine/providers/embedded/chat-history.js';

describe('embedded chat history conversion', () => {
  test('system and user messages map one to one; an empty model response is appended to fill', () => {
    assert.deepEqual(
      toLlamaHistory([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Time?' },
      ]),
      [
        { type: 'system', text: 'Be brief.' },
        { type: 'user', text: 'Hi' },
        { type: 'model', response: ['Hello!'] },
        { type: 'user', text: 'Time?' },
        { type: 'model', response: [] },
      ],
    );
  });

  test('tool calls and their results become one open model response that generation continues', () => {
    const history = toLlamaHistory([
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: 'Checking.',
        toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Rome"}' }],
      },
      { role: 'tool', toolCallId: 'c1', name: 'get_weather', content: '{"celsius":21}' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c2', name: 'clock', arguments: '' }] },
      { role: 'tool', toolCallId: 'c2', name: 'clock', content: 'noon' },
    ]);
    assert.deepEqual(history, [
      { type: 'user', text: 'Weather?' },
      {
        type: 'model',
        response: [
          'Checking.',
          { type: 'functionCall', name: 'get_weather', params: { city: 'Rome' }, result: { celsius: 21 } },
          { type: 'functionCall', name: 'clock', params: {}, result: 'noon' },
        ],
      },
    ]);
  });

  test('a tool result whose call was trimmed away is kept with empty parameters', () => {
    const history = toLlamaHistory([
      { role: 'user', content: 'Go' },
      { role: 'tool', toolCallId: 'gone', name: 'search', content: '"found"' },
    ]);
    assert.deepEqual(history.at(-1), {
      type: 'model',
      response: [{ type: 'functionCall', name: 'search', params: {}, result: 'found' }],
    });
  });

  test('tools become functions; a schema without properties takes no parameters', () => {
    assert.equal(toLlamaFunctions([]), undefined);
    const schema = { type: 'object', properties: { q: { type: 'string' } } };
    assert.deepEqual(
      toLlamaFunctions([
        { name: 'search', description: 'Search', parameters: schema },
        { name: 'now', description: 'Time', parameters: { type: 'object', properties: {} } },
      ]),
      { search: { description: 'Search', params: schema }, now: { description: 'Time', params: undefined } },
    );
  });
});
