/**
 * `hearth doctor`: checks what a working installation needs and says what to fix — config,
 * data folder, history database, each model's server, channels file, Node version. Exit code 1
 * when any check fails.
 */
import { accessSync, constants, mkdirSync, statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadChannelsFile } from '../channels/load.js';
import { loadConfig } from '../core/config-load.js';
import type { HearthConfig, ModelSpec } from '../core/config.js';
import { effectiveCatalog } from '../gateway/plugins/models/added-models.js';
import { createHistoryStore } from '../storage/index.js';
import { reportConfigError } from './config-validate.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** Where a model's server answers a cheap request, if it has one. */
function probeUrl(spec: ModelSpec): string | undefined {
  if (spec.provider === 'openai') return `${(spec.baseUrl ?? 'https://api.openai.com/v1').replace(/\/$/, '')}/models`;
  if (spec.provider === 'ollama') return `${(spec.baseUrl ?? 'http://127.0.0.1:11434').replace(/\/$/, '')}/api/tags`;
  if (spec.provider === 'anthropic')
    return `${(spec.baseUrl ?? 'https://api.anthropic.com').replace(/\/$/, '')}/v1/models`;
  return undefined;
}

async function checkModel(id: string, spec: ModelSpec, dataDir: string): Promise<Check> {
  if (spec.provider === 'embedded') {
    try {
      const { resolveModelPath } = await import('../engine/providers/embedded/index.js');
      accessSync(resolveModelPath(spec.model, dataDir), constants.R_OK);
      await import('node-llama-cpp' as string);
      return { name: `model ${id}`, ok: true, detail: `embedded GGUF ${spec.model}` };
    } catch (err) {
      return {
        name: `model ${id}`,
        ok: false,
        detail: `embedded model not usable: ${(err as Error).message.split('\n')[0]}`,
      };
    }
  }
  const url = probeUrl(spec)!;
  const headers: Record<string, string> = {};
  if (spec.apiKey && spec.provider === 'anthropic')
    Object.assign(headers, { 'x-api-key': spec.apiKey, 'anthropic-version': '2023-06-01' });
  else if (spec.apiKey) headers.authorization = `Bearer ${spec.apiKey}`;
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    if (res.status === 401 || res.status === 403)
      return { name: `model ${id}`, ok: false, detail: `${url} refused the API key (${res.status})` };
    return {
      name: `model ${id}`,
      ok: res.status < 500,
      detail: `${spec.provider} server at ${url} answered ${res.status}`,
    };
  } catch (err) {
    return { name: `model ${id}`, ok: false, detail: `${url} unreachable: ${(err as Error).message}` };
  }
}

export async function runChecks(config: HearthConfig, file: string | undefined): Promise<Check[]> {
  const checks: Check[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push({
    name: 'node',
    ok: major >= 20 && major <= 24,
    detail: `Node ${process.versions.node} (supported: 20, 22, 24)`,
  });
  checks.push({ name: 'config', ok: true, detail: file ?? 'no config file: defaults and environment' });
  const dataDir = resolve(config.dataDir);
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.W_OK);
    const fs = statfsSync(dataDir);
    const freeGb = (fs.bavail * fs.bsize) / 1e9;
    checks.push({ name: 'data folder', ok: freeGb > 1, detail: `${dataDir} writable, ${freeGb.toFixed(1)} GB free` });
  } catch (err) {
    checks.push({ name: 'data folder', ok: false, detail: `${dataDir}: ${(err as Error).message}` });
  }
  try {
    const history = await createHistoryStore(config);
    await history.open();
    await history.close();
    checks.push({ name: 'history', ok: true, detail: `${config.storage.history.kind} opens, migrations applied` });
  } catch (err) {
    checks.push({ name: 'history', ok: false, detail: `${config.storage.history.kind}: ${(err as Error).message}` });
  }
  try {
    const channels = loadChannelsFile(config.channels);
    const enabled = Object.entries(channels)
      .filter(([, c]) => c && (c as { enabled?: boolean }).enabled !== false)
      .map(([n]) => n);
    checks.push({ name: 'channels', ok: true, detail: enabled.length ? enabled.join(', ') : 'web chat and API only' });
  } catch (err) {
    checks.push({ name: 'channels', ok: false, detail: (err as Error).message });
  }
  const catalog = effectiveCatalog(config);
  const ids = Object.keys(catalog.catalog);
  if (ids.length === 0) {
    checks.push({
      name: 'models',
      ok: false,
      detail: 'none configured: set MODEL_ENDPOINT or an API key, or run `hearth models pull`',
    });
  }
  for (const id of ids) checks.push(await checkModel(id, catalog.catalog[id], dataDir));
  return checks;
}

export async function doctorCommand(opts: { config?: string }): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig({ file: opts.config });
  } catch (err) {
    console.log('✗ config');
    reportConfigError(err);
    process.exitCode = 1;
    return;
  }
  const checks = await runChecks(loaded.config, loaded.file);
  for (const c of checks) console.log(`${c.ok ? '✓' : '✗'} ${c.name.padEnd(12)} ${c.detail}`);
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}
