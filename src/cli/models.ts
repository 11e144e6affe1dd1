import { loadConfig } from '../core/config-load.js';
import { ModelRegistry } from '../engine/model-registry.js';
import { effectiveCatalog, createLogger } from '../gateway/server.js';
import { reportConfigError } from './config-validate.js';

export function modelsListCommand(opts: { config?: string }): void {
  try {
    const { config } = loadConfig({ file: opts.config });
    const registry = new ModelRegistry({ dataDir: config.dataDir, log: createLogger('silent'), breaker: config.models.breaker });
    const c = effectiveCatalog(config);
    registry.configure(c.catalog, c.default, config.models.fallback);
    const list = registry.list();
    if (list.length === 0) {
      console.log('No model configured. Set MODEL_ENDPOINT, OPENAI_API_KEY or ANTHROPIC_API_KEY, add models.catalog to hearth.yml, or run `hearth models pull`.');
      return;
    }
    for (const m of list) console.log(`${m.isDefault ? '*' : ' '} ${m.id}\t${m.provider}\t${m.model}${m.baseUrl ? `\t${m.baseUrl}` : ''}`);
  } catch (err) {
    reportConfigError(err);
    process.exitCode = 1;
  }
}

export async function modelsPullCommand(name: string | undefined, opts: { config?: string }): Promise<void> {
  void name;
  void opts;
  console.error('models pull: not wired yet');
  process.exitCode = 1;
}
