/**
 * A real gateway (the `Hearth` composition root) in this test process, on a free port with its own
 * data folder and a fake OpenAI-compatible model; its log lines are collected.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/core/config-load.js';
import { Hearth, type HearthOptions } from '../../src/gateway/server.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';

export const TOKEN = 'in-process-token-0123456789abcdef';

export interface InProcessGateway {
  hearth: Hearth;
  fake: ModelFake;
  /** Every JSON log line so far. */
  logs: Array<Record<string, unknown>>;
  dataDir: string;
  close(): Promise<void>;
}

export async function startGateway(
  configYaml = '{}\n',
  options: Partial<HearthOptions> & { env?: Record<string, string>; channels?: string } = {},
): Promise<InProcessGateway> {
  const fake = await startOpenAIFake();
  const dir = mkdtempSync(join(tmpdir(), 'hearth-gw-'));
  const file = join(dir, 'hearth.yml');
  writeFileSync(file, configYaml);
  if (options.channels !== undefined) writeFileSync(join(dir, 'channels.yml'), options.channels);
  const env = {
    HEARTH_HOST: '127.0.0.1',
    HEARTH_PORT: '0',
    HEARTH_DATA_DIR: join(dir, 'data'),
    HEARTH_API_TOKEN: TOKEN,
    MODEL_ENDPOINT: fake.baseUrl,
    MODEL_NAME: 'fake-gpt',
    ...(options.channels !== undefined ? { CHANNEL_CONFIG: join(dir, 'channels.yml') } : {}),
    ...options.env,
  };
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ level: 'info', messageKey: 'msg' }, sink);
  const hearth = new Hearth({ ...options, loaded: loadConfig({ file, env }), env, log });
  await hearth.start();
  return {
    hearth,
    fake,
    logs,
    dataDir: env.HEARTH_DATA_DIR,
    async close() {
      await hearth.stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Issues a machine token with a role through the real admin API. */
export async function issueToken(url: string, role: 'admin' | 'operator' | 'viewer'): Promise<string> {
  const res = await fetch(`${url}/admin/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `${role} bot`, role }),
  });
  if (res.status !== 201) throw new Error(`token issue failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
