import { loadConfig } from '../core/config-load.js';
import { errorSummary } from '../engine/engine.js';
import { Hearth } from '../gateway/server.js';
import { reportConfigError } from './config-validate.js';

/** `hearth start`: runs until SIGTERM/SIGINT, then drains in-flight answers and exits 0. */
export async function startCommand(opts: { config?: string }): Promise<void> {
  let hearth: Hearth;
  try {
    hearth = new Hearth({ loaded: loadConfig({ file: opts.config }) });
  } catch (err) {
    reportConfigError(err);
    process.exit(1);
  }
  const log = hearth.log;
  // A misbehaving adapter must not take the assistant down: log it and keep serving.
  process.on('unhandledRejection', (err) => log.error({ errorCode: 'HEARTH_E_INTERNAL', err: errorSummary(err) }, 'unhandled rejection'));
  process.on('uncaughtException', (err) => log.error({ errorCode: 'HEARTH_E_INTERNAL', err: errorSummary(err) }, 'uncaught exception'));
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    hearth.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err: errorSummary(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  try {
    await hearth.start();
  } catch (err) {
    reportConfigError(err);
    log.fatal({ err: errorSummary(err) }, 'start failed');
    await hearth.stop().catch(() => undefined);
    process.exit(1);
  }
  if (!process.env.HEARTH_QUIET && process.stderr.isTTY) {
    process.stderr.write(`\nHearth is ready: open ${hearth.url} to chat.\n\n`);
  }
}
