import { resolve } from 'node:path';
import { loadConfig } from '../core/config-load.js';
import { HearthError } from '../core/errors.js';
import { createProgressReporter, pullModel } from '../engine/model-pull.js';
import { ModelRegistry } from '../engine/model-registry.js';
import { createLogger } from '../gateway/logger.js';
import { effectiveCatalog } from '../gateway/plugins/models/added-models.js';
import { reportConfigError } from './config-validate.js';

export function modelsListCommand(opts: { config?: string }): void {
  try {
    const { config } = loadConfig({ file: opts.config });
    const registry = new ModelRegistry({
      dataDir: config.dataDir,
      log: createLogger('silent'),
      breaker: config.models.breaker,
    });
    const c = effectiveCatalog(config);
    registry.configure(c.catalog, c.default, config.models.fallback);
    const list = registry.list();
    if (list.length === 0) {
      console.log(
        'No model configured. Set MODEL_ENDPOINT, OPENAI_API_KEY or ANTHROPIC_API_KEY, add models.catalog to hearth.yml, or run `hearth models pull`.',
      );
      return;
    }
    for (const m of list)
      console.log(`${m.isDefault ? '*' : ' '} ${m.id}\t${m.provider}\t${m.model}${m.baseUrl ? `\t${m.baseUrl}` : ''}`);
  } catch (err) {
    reportConfigError(err);
    process.exitCode = 1;
  }
}

/** `hearth models pull [NAME]`: downloads into `<dataDir>/models`; Ctrl-C keeps the partial file for a resume. */
export async function modelsPullCommand(name: string | undefined, opts: { config?: string }): Promise<void> {
  let config;
  try {
    ({ config } = loadConfig({ file: opts.config }));
  } catch (err) {
    reportConfigError(err);
    process.exitCode = 1;
    return;
  }
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const reporter = createProgressReporter(process.stdout);
  try {
    const path = await pullModel({
      dataDir: resolve(config.dataDir),
      name,
      baseUrl: config.models.download.baseUrl,
      onProgress: reporter.onProgress,
      signal: abort.signal,
    });
    reporter.done();
    console.log(`Model saved to ${path}. \`hearth start\` uses it when no other model is configured.`);
  } catch (err) {
    reporter.done();
    const code = err instanceof HearthError ? ` (${err.code})` : '';
    console.error(`models pull failed${code}: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
