import { loadChannelsFile } from '../channels/load.js';
import { ConfigError, formatProblem, loadConfig } from '../core/config-load.js';

/** Loads the config (and channels.yml) and reports every problem; exit code 1 when there is any. */
export function configValidateCommand(opts: { config?: string }): void {
  try {
    const { config, file } = loadConfig({ file: opts.config });
    loadChannelsFile(config.channels);
    console.log(`${file ?? '(no config file: defaults and environment)'}: ok`);
  } catch (err) {
    reportConfigError(err);
    process.exitCode = 1;
  }
}

/** Prints config problems to stderr, one per line; other errors as themselves. */
export function reportConfigError(err: unknown): void {
  if (err instanceof ConfigError) for (const p of err.problems) console.error(formatProblem(p));
  else console.error(err instanceof Error ? err.message : String(err));
}
