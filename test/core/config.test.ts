import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, didYouMean, loadConfig } from '../../src/core/config-load.js';
import { loadChannelsFile } from '../../src/channels/load.js';

function file(text: string, name = 'hearth.yml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-config-'));
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function problems(fn: () => unknown): ConfigError['problems'] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config loading', () => {
  it('accepts {} and no file at all, with documented defaults', () => {
    const { config } = loadConfig({ file: file('{}\n'), env: {} });
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.port, 8080);
    assert.equal(config.server.bodyLimit, 1024 * 1024);
    assert.equal(config.dataDir, './data');
    assert.equal(loadConfig({ env: {} }).config.server.port, 8080);
  });

  it('interpolates ${ENV} and ${ENV:-default}, and names the key of a missing variable', () => {
    const p = file(
      'models:\n  catalog:\n    m:\n      provider: openai\n      model: ${NAME:-gpt}\n      apiKey: ${KEY}\n',
    );
    const { config } = loadConfig({ file: p, env: { KEY: 'sk-123' } });
    assert.equal(config.models.catalog.m.apiKey, 'sk-123');
    assert.equal(config.models.catalog.m.model, 'gpt');
    const [pr] = problems(() => loadConfig({ file: p, env: {} }));
    assert.equal(pr.path, 'models.catalog.m.apiKey');
    assert.equal(pr.line, 6);
    assert.match(pr.reason, /KEY is not set/);
  });

  it('rejects unknown keys with a did-you-mean, and names file and line', () => {
    const p = file('server:\n  prot: 9000\n');
    const [pr] = problems(() => loadConfig({ file: p, env: {} }));
    assert.equal(pr.file, p);
    assert.equal(pr.path, 'server.prot');
    assert.equal(pr.line, 2);
    assert.match(pr.reason, /did you mean "port"/);
  });

  it('reports wrong types and unknown model references', () => {
    const p = file('models:\n  default: mian\n  catalog:\n    main: { provider: openai, model: x, temperature: 5 }\n');
    const ps = problems(() => loadConfig({ file: p, env: {} }));
    assert.ok(ps.some((x) => x.path === 'models.catalog.main.temperature'));
    const p2 = file('models:\n  default: mian\n  catalog:\n    main: { provider: openai, model: x }\n');
    const [ref] = problems(() => loadConfig({ file: p2, env: {} }));
    assert.equal(ref.path, 'models.default');
    assert.match(ref.reason, /did you mean "main"/);
  });

  it('reports YAML syntax errors with their line', () => {
    const [pr] = problems(() => loadConfig({ file: file('server:\n  port: [1, 2\n'), env: {} }));
    assert.match(pr.reason, /YAML syntax/);
    assert.ok(pr.line);
  });

  it('applies the compose environment: HEARTH_*, MODEL_ENDPOINT and generation parameters', () => {
    const { config } = loadConfig({
      env: {
        HEARTH_HOST: '0.0.0.0',
        HEARTH_PORT: '9001',
        HEARTH_DATA_DIR: '/srv/hearth',
        MODEL_ENDPOINT: 'http://model-server:8000/v1',
        MODEL_NAME: 'llama',
        MODEL_TEMPERATURE: '0.2',
        MODEL_MAX_TOKENS: '256',
      },
    });
    assert.equal(config.server.host, '0.0.0.0');
    assert.equal(config.server.port, 9001);
    assert.equal(config.dataDir, '/srv/hearth');
    assert.equal(config.models.default, 'env');
    assert.deepEqual(config.models.catalog.env, {
      provider: 'openai',
      baseUrl: 'http://model-server:8000/v1',
      model: 'llama',
    });
    assert.equal(config.agents.default.temperature, 0.2);
    assert.equal(config.agents.default.maxTokens, 256);
  });

  it('names the environment variable when its value is invalid', () => {
    const [pr] = problems(() => loadConfig({ env: { HEARTH_PORT: 'eighty' } }));
    assert.equal(pr.file, 'environment variable HEARTH_PORT');
    assert.equal(pr.path, 'server.port');
  });

  it('picks OPENAI_API_KEY / ANTHROPIC_API_KEY when no endpoint is set', () => {
    const { config } = loadConfig({ env: { ANTHROPIC_API_KEY: 'k' } });
    assert.equal(config.models.default, 'anthropic');
    assert.equal(config.models.catalog.anthropic.provider, 'anthropic');
  });

  it('suggests only close names', () => {
    assert.equal(didYouMean('prot', ['port', 'host']), 'port');
    assert.equal(didYouMean('zzzzzz', ['port', 'host']), undefined);
  });
});

describe('channels.yml', () => {
  it('normalizes numeric allowFrom entries to strings and keeps "*"', () => {
    const p = file('telegram:\n  token: "123:abc"\n  allowFrom: [12345, "@ada", "*"]\n', 'channels.yml');
    const c = loadChannelsFile(p, {}) as { telegram?: { allowFrom?: string[] } };
    assert.deepEqual(c.telegram?.allowFrom?.slice(0, 3), ['12345', '@ada', '*']);
  });

  it('rejects an unknown channel with a did-you-mean', () => {
    const p = file('telegarm:\n  enabled: true\n', 'channels.yml');
    const [pr] = problems(() => loadChannelsFile(p, {}));
    assert.equal(pr.path, 'telegarm');
    assert.match(pr.reason, /did you mean "telegram"/);
  });
});
