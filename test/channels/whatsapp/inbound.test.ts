import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCloudWebhook } from '../../../src/channels/whatsapp/cloud-inbound.js';
import { interactiveFor } from '../../../src/channels/whatsapp/cloud.js';
import { markdownToWhatsApp, whatsappPieces } from '../../../src/channels/whatsapp/markdown.js';
import { hubSignature, verifyHubSignature } from '../../../src/channels/whatsapp/cloud-signature.js';

const wrap = (messages: unknown[], extra: Record<string, unknown> = {}) => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: 'WABA',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '1555', phone_number_id: 'PN' },
            contacts: [{ profile: { name: 'Kim' }, wa_id: '123' }],
            messages,
            ...extra,
          },
        },
      ],
    },
  ],
});

test('cloud webhook: text, document, reaction, list reply; unsupported and malformed are skipped', () => {
  const read = readCloudWebhook(
    'whatsapp',
    wrap([
      {
        from: '123',
        id: 'wamid.A',
        timestamp: '1700000000',
        type: 'text',
        text: { body: 'hi' },
        context: { from: '1555', id: 'wamid.PREV' },
      },
      {
        from: '123',
        id: 'wamid.B',
        timestamp: '1700000001',
        type: 'document',
        document: { id: 'M1', mime_type: 'application/pdf', filename: 'a.pdf', caption: 'doc' },
      },
      {
        from: '123',
        id: 'wamid.C',
        timestamp: '1700000002',
        type: 'reaction',
        reaction: { message_id: 'wamid.OUT', emoji: '👍' },
      },
      {
        from: '123',
        id: 'wamid.D',
        timestamp: '1700000003',
        type: 'interactive',
        interactive: { type: 'list_reply', list_reply: { id: 'opt-2', title: 'Two' } },
      },
      { from: '123', id: 'wamid.E', timestamp: '1700000004', type: 'unsupported' },
      { id: 'wamid.F', type: 'text' },
    ]),
  );
  assert.equal(read.inbound.length, 4);
  const [a, b, c, d] = read.inbound.map((i) => i.message);
  assert.deepEqual(
    [a.id, a.text, a.sender.name, a.replyTo, a.timestamp],
    ['whatsapp:wamid.A', 'hi', 'Kim', 'wamid.PREV', 1700000000000],
  );
  assert.deepEqual(b.attachments, [{ kind: 'document', mimeType: 'application/pdf', fileName: 'a.pdf' }]);
  assert.equal(read.inbound[1].media?.id, 'M1');
  assert.deepEqual([c.kind, c.value, c.replyTo], ['reaction', '👍', 'wamid.OUT']);
  assert.deepEqual([d.kind, d.value, d.text], ['action', 'opt-2', 'Two']);
  assert.deepEqual(read.skipped, ['unsupported message type unsupported', 'message without id, from or type']);
  assert.deepEqual(readCloudWebhook('whatsapp', { object: 'page' }).skipped, [
    'not a whatsapp_business_account webhook',
  ]);
});

test('cloud webhook: failed statuses are reported as notices', () => {
  const read = readCloudWebhook(
    'whatsapp',
    wrap([], {
      statuses: [{ id: 'wamid.X', status: 'failed', errors: [{ code: 131047, title: 'Re-engagement message' }] }],
    }),
  );
  assert.deepEqual(read.notices, ['message wamid.X failed: 131047 Re-engagement message']);
});

test('buttons: up to three as reply buttons, more as a list', () => {
  assert.equal(interactiveFor('x', [{ label: 'A', value: 'a' }]).type, 'button');
  const list = interactiveFor(
    'x',
    ['a', 'b', 'c', 'd'].map((v) => ({ label: v, value: v })),
  ) as { type: string; action: { sections: Array<{ rows: unknown[] }> } };
  assert.equal(list.type, 'list');
  assert.equal(list.action.sections[0].rows.length, 4);
});

test('Markdown → WhatsApp formatting and splitting at 4096', () => {
  assert.equal(markdownToWhatsApp('**bold** *it* ~~x~~ [site](https://a.b)'), '*bold* _it_ ~x~ site (https://a.b)');
  assert.equal(markdownToWhatsApp('## Head\n* item\n```ts\ncode **x**\n```'), '*Head*\n- item\n```code **x**\n```');
  assert.ok(whatsappPieces('**word** '.repeat(1200)).every((c) => c.length <= 4096));
  assert.deepEqual(whatsappPieces(`**${'a'.repeat(20)}**\n\n${'b'.repeat(20)}`, 30), [
    `*${'a'.repeat(20)}*`,
    'b'.repeat(20),
  ]);
});

test('X-Hub-Signature-256 verification', () => {
  const raw = Buffer.from('{"object":"whatsapp_business_account"}');
  assert.equal(verifyHubSignature('s', hubSignature('s', raw), raw), true);
  assert.equal(verifyHubSignature('s', hubSignature('t', raw), raw), false);
  assert.equal(verifyHubSignature('s', undefined, raw), false);
});

test('cloud webhook: wrongly shaped lists and entries are skipped, never thrown, and the good messages still come through', () => {
  const good = { from: '123', id: 'wamid.OK', timestamp: '1700000000', type: 'text', text: { body: 'hi' } };
  const body = {
    object: 'whatsapp_business_account',
    entry: [
      null,
      { changes: { field: 'messages' } },
      {
        changes: [
          null,
          { field: 'messages', value: { messages: { not: 'a list' }, contacts: 'x', statuses: 7, errors: {} } },
        ],
      },
      {
        changes: [
          {
            field: 'messages',
            value: {
              contacts: [null, { wa_id: '123', profile: { name: 'Kim' } }],
              messages: [good],
              statuses: [null],
              errors: [null],
            },
          },
        ],
      },
    ],
  };
  const read = readCloudWebhook('whatsapp', body);
  assert.deepEqual(
    read.inbound.map((i) => i.message.id),
    ['whatsapp:wamid.OK'],
  );
  assert.equal(read.inbound[0].message.sender.name, 'Kim');
  assert.ok(read.skipped.length >= 2, read.skipped.join('; '));
});
