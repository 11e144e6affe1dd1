import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { logRedaction, maskString } from '../../src/security/redaction.js';

const SECRETS = {
  apiToken: 'deployment-api-token-9f8e7d6c5b4a',
  jwt: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ',
  openai: 'sk-proj-ABCDEFGHIJKLMNOPQRSTUV123456',
  slack: 'xoxb-1234567890-abcdefghijklmnop',
  telegram: '123456789:AAHfKq2ZP3xL0_abcdefghijklmnopqrstuv',
  password: 'hunter2-very-secret',
  machine: 'hth_AbCdEfGhIjKl_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG',
};

/** A real pino logger with the redaction options, writing lines to memory. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const log = pino({ level: 'trace', ...logRedaction([SECRETS.apiToken]) }, stream);
  return { log, text: () => lines.join('\n'), lines };
}

describe('log redaction on real pino output', () => {
  it('masks secrets in headers, config objects, messages and errors', () => {
    const { log, text, lines } = capture();
    log.info(
      {
        req: {
          method: 'GET',
          url: '/admin/models',
          headers: { authorization: `Bearer ${SECRETS.jwt}`, cookie: 'sid=abc', host: 'x' },
        },
      },
      'request',
    );
    log.info({ model: { provider: 'openai', apiKey: SECRETS.openai, model: 'gpt-4o' } }, 'model loaded');
    log.info({ channel: { slack: { botToken: SECRETS.slack } } }, 'channel config');
    log.warn(`telegram call failed: https://api.telegram.org/bot${SECRETS.telegram}/getMe`);
    log.error({ err: new Error(`auth failed with Authorization: Bearer ${SECRETS.machine}`) }, 'upstream error');
    log.info({ body: { username: 'admin', password: SECRETS.password } }, 'login attempt');
    log.info(`admin token is ${SECRETS.apiToken}`);
    log.info('connecting to redis://user:%s@redis:6379', 'p4ssw0rd-in-url');
    log.info({ url: 'postgres://hearth:db-password-123@db/hearth' }, 'db');

    const out = text();
    for (const [name, secret] of Object.entries(SECRETS)) assert.ok(!out.includes(secret), `${name} leaked: ${out}`);
    assert.ok(!out.includes('p4ssw0rd-in-url') && !out.includes('db-password-123'), 'URL password leaked');
    assert.ok(!out.includes('sid=abc'), 'cookie leaked');
    // Harmless fields survive, so logs stay useful.
    const first = JSON.parse(lines[0]) as { req: { url: string; headers: { host: string; authorization: string } } };
    assert.equal(first.req.url, '/admin/models');
    assert.equal(first.req.headers.host, 'x');
    assert.equal(first.req.headers.authorization, '[REDACTED]');
    assert.match(out, /"model":"gpt-4o"/);
    assert.match(out, /username/);
    assert.match(lines[4], /"type":"Error"/);
  });

  it('masks every secret shape inside free text and leaves ordinary strings as they are', () => {
    const shaped = [
      ['Bearer ', 'abcDEF123456789xyz'],
      ['basic ', 'dXNlcjpwYXNzd29yZA=='],
      ['', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature'],
      ['', 'hth_0123456789abcdefghijKLMN'],
      ['', 'sk-ant-api03-ABCDEFGHIJKLMNOP'],
      ['', 'xoxp-1234567890-abcdefgh'],
      ['', '987654321:AAF-abcdefghijklmnopqrstuvwxyz0123'],
      ['', 'EAAGm0PX4ZCpsBAKZBZCabcdefghijklmnopq'],
      ['Password = ', 'correct-horse'],
      ['API_KEY: ', 'k3y-value-here'],
      ['amqp://guest:', 'guest-password'],
    ];
    for (const [prefix, secret] of shaped) {
      const masked = maskString(`before ${prefix}${secret}@host after`);
      assert.ok(!masked.includes(secret), `${prefix}${secret} survived: ${masked}`);
      assert.match(masked, /^before .*\[REDACTED\].* after$/);
    }
    assert.equal(
      maskString('known value s3cr3t-known-value here', ['s3cr3t-known-value']),
      'known value [REDACTED] here',
    );
    for (const plain of [
      '/v1/chat/completions',
      'api:367082c2-6680-4ff7-a176-5aa7a595eb8f',
      'turn answered',
      'POST',
      '',
    ])
      assert.equal(maskString(plain, ['s3cr3t-known-value']), plain);
  });
});
