/** The shape check that keeps bad Gateway dispatches away from discord.js's packet handlers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dispatchProblem } from '../../../src/channels/discord/dispatch-guard.js';

const message = {
  id: '1175070932400078860',
  channel_id: '1175070932400078861',
  author: { id: '1175070932400078862', username: 'ada' },
  content: 'hi',
  attachments: [],
  embeds: [],
  mentions: [],
  mention_roles: [],
};

test('documented message and reaction payloads pass', () => {
  assert.equal(dispatchProblem({ t: 'MESSAGE_CREATE', d: message }), undefined);
  assert.equal(
    dispatchProblem({
      t: 'MESSAGE_UPDATE',
      d: {
        ...message,
        attachments: [{ id: '1175070932400078863', url: 'https://cdn.example/a.png', filename: 'a.png', size: 1 }],
      },
    }),
    undefined,
  );
  assert.equal(
    dispatchProblem({
      t: 'MESSAGE_REACTION_ADD',
      d: { user_id: '1', channel_id: '2', message_id: '3', emoji: { id: null, name: '👍' } },
    }),
    undefined,
  );
});

test('events Hearth does not act on pass unchecked', () => {
  assert.equal(dispatchProblem({ t: 'GUILD_CREATE', d: null }), undefined);
  assert.equal(dispatchProblem({ t: 'SOMETHING_NEW', d: 'anything' }), undefined);
});

test('malformed messages and reactions are named', () => {
  assert.equal(dispatchProblem({ t: 'MESSAGE_CREATE', d: null }), 'data is not an object');
  assert.equal(dispatchProblem({ t: 'MESSAGE_CREATE', d: [] }), 'data is not an object');
  assert.equal(dispatchProblem({ t: 'MESSAGE_CREATE', d: { ...message, id: 'abc' } }), 'id missing or not a snowflake');
  assert.equal(
    dispatchProblem({ t: 'MESSAGE_CREATE', d: { ...message, channel_id: undefined } }),
    'channel_id missing or not a snowflake',
  );
  assert.equal(
    dispatchProblem({ t: 'MESSAGE_CREATE', d: { ...message, author: 'ada' } }),
    'author is not a user object',
  );
  assert.equal(
    dispatchProblem({ t: 'MESSAGE_CREATE', d: { ...message, attachments: 'x' } }),
    'attachments is not an array',
  );
  assert.equal(
    dispatchProblem({ t: 'MESSAGE_CREATE', d: { ...message, attachments: [{ id: '1' }] } }),
    'an attachment lacks id or url',
  );
  assert.equal(dispatchProblem({ t: 'MESSAGE_CREATE', d: { ...message, content: 42 } }), 'content is not a string');
  assert.equal(
    dispatchProblem({ t: 'MESSAGE_REACTION_ADD', d: { user_id: '1', channel_id: '2', message_id: '3' } }),
    'emoji is not an object',
  );
});
