import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  messageFromAction,
  messageFromEvent,
  slackTextToPlain,
  type SlackMessageEvent,
} from '../../../src/channels/slack/inbound.js';

const self = { userId: 'UBOT', botId: 'BBOT' };

test('a DM becomes a direct message, not threaded, mentioned by definition', () => {
  const m = messageFromEvent(
    'slack',
    {
      type: 'message',
      channel: 'D123',
      channel_type: 'im',
      user: 'U1',
      text: 'hello &amp; bye',
      ts: '1700000000.000100',
    },
    self,
  );
  assert.ok(!('skip' in m));
  assert.equal(m.id, 'slack:D123:1700000000.000100');
  assert.equal(m.chatId, 'D123');
  assert.equal(m.threadId, undefined);
  assert.equal(m.isGroup, false);
  assert.equal(m.mentioned, true);
  assert.equal(m.text, 'hello & bye');
  assert.equal(m.timestamp, 1700000000000);
});

test('a top-level channel mention is threaded under itself; message and app_mention share one id', () => {
  const base = { channel: 'C9', user: 'U1', text: '<@UBOT> what is up?', ts: '1700000001.000200' };
  const asMessage = messageFromEvent('slack', { ...base, type: 'message', channel_type: 'channel' }, self);
  const asMention = messageFromEvent('slack', { ...base, type: 'app_mention' }, self);
  assert.ok(!('skip' in asMessage) && !('skip' in asMention));
  assert.equal(asMessage.id, asMention.id);
  assert.equal(asMessage.threadId, '1700000001.000200');
  assert.equal(asMessage.isGroup, true);
  assert.equal(asMessage.mentioned, true);
  assert.equal(asMention.mentioned, true);
  assert.equal(asMessage.text, 'what is up?');
});

test('channel chatter without a mention is a group message that is not mentioned; thread replies keep the root', () => {
  const m = messageFromEvent(
    'slack',
    {
      type: 'message',
      channel: 'C9',
      channel_type: 'channel',
      user: 'U2',
      text: 'lunch?',
      ts: '5.2',
      thread_ts: '5.1',
    },
    self,
  );
  assert.ok(!('skip' in m));
  assert.equal(m.mentioned, false);
  assert.equal(m.threadId, '5.1');
  assert.equal(m.replyTo, '5.1');
  const inOurThread = messageFromEvent(
    'slack',
    {
      type: 'message',
      channel: 'C9',
      channel_type: 'channel',
      user: 'U2',
      text: 'and?',
      ts: '5.3',
      thread_ts: '5.1',
      parent_user_id: 'UBOT',
    },
    self,
  );
  assert.ok(!('skip' in inOurThread));
  assert.equal(inOurThread.mentioned, true);
});

test('bot messages, own messages, joins and malformed events are skipped with a reason', () => {
  const skip = (e: Partial<SlackMessageEvent>) => messageFromEvent('slack', e as SlackMessageEvent, self);
  assert.deepEqual(skip({ type: 'message', channel: 'C1', ts: '1.1', bot_id: 'B2', text: 'x' }), {
    skip: 'message from a bot',
  });
  assert.deepEqual(skip({ type: 'message', channel: 'C1', ts: '1.1', user: 'UBOT', text: 'x' }), {
    skip: 'own message',
  });
  assert.match(
    (skip({ type: 'message', subtype: 'channel_join', channel: 'C1', ts: '1.1', user: 'U1' }) as { skip: string }).skip,
    /ignored subtype/,
  );
  assert.match((skip({ type: 'message', user: 'U1' }) as { skip: string }).skip, /without channel or ts/);
  assert.match(
    (messageFromEvent('slack', null as unknown as SlackMessageEvent, self) as { skip: string }).skip,
    /not an object/,
  );
});

test('files become attachments with kind by MIME type; edits become kind edit', () => {
  const m = messageFromEvent(
    'slack',
    {
      type: 'message',
      subtype: 'file_share',
      channel: 'D1',
      channel_type: 'im',
      user: 'U1',
      text: '',
      ts: '2.1',
      files: [
        { id: 'F1', name: 'a.png', mimetype: 'image/png', url_private_download: 'https://files.slack.com/a.png' },
        { id: 'F2', name: 'r.pdf', mimetype: 'application/pdf', url_private_download: 'https://files.slack.com/r.pdf' },
      ],
    },
    self,
  );
  assert.ok(!('skip' in m));
  assert.deepEqual(
    m.attachments.map((a) => a.kind),
    ['image', 'document'],
  );
  const edit = messageFromEvent(
    'slack',
    {
      type: 'message',
      subtype: 'message_changed',
      channel: 'D1',
      channel_type: 'im',
      ts: '3.0',
      message: {
        type: 'message',
        channel: 'D1',
        user: 'U1',
        text: 'fixed',
        ts: '2.9',
        edited: { user: 'U1', ts: '3.0' },
      },
    },
    self,
  );
  assert.ok(!('skip' in edit));
  assert.equal(edit.kind, 'edit');
  assert.equal(edit.text, 'fixed');
  assert.equal(edit.id, 'slack:D1:2.9:edit:3.0');
});

test('a button click becomes an action in the conversation of the message that carried it', () => {
  const m = messageFromAction('slack', {
    type: 'block_actions',
    user: { id: 'U1', username: 'ann', name: 'ann' },
    channel: { id: 'C9', name: 'general' },
    container: { type: 'message', message_ts: '7.2', channel_id: 'C9' },
    message: { ts: '7.2', thread_ts: '7.1', text: 'pick' },
    actions: [
      {
        type: 'button',
        action_id: 'hearth_btn_0',
        block_id: 'hearth_buttons',
        value: 'yes',
        text: { text: 'Yes' },
        action_ts: '1700000009.1',
      },
    ],
  });
  assert.ok(!('skip' in m));
  assert.equal(m.kind, 'action');
  assert.equal(m.value, 'yes');
  assert.equal(m.chatId, 'C9');
  assert.equal(m.threadId, '7.1');
  assert.equal(m.sender.id, 'U1');
  assert.match(
    (messageFromAction('slack', { type: 'block_actions', actions: [] } as never) as { skip: string }).skip,
    /without/,
  );
});

test('Slack markup is turned into plain text', () => {
  assert.equal(
    slackTextToPlain('<@UBOT> ask <@U2|bob> in <#C1|general> see <https://x.io/a?b=1&amp;c=2|docs> &lt;3', self),
    'ask @bob in #general see docs (https://x.io/a?b=1&c=2) <3',
  );
});
