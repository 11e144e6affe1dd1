/**
 * `hearth gateway` and `hearth engine`: one role per process, for the scaled shape (several
 * replicas of each on a durable bus). Same lifecycle as `hearth start`: runs until SIGTERM/SIGINT,
 * then drains and exits 0.
 */
import { loadConfig } from '../core/config-load.js';
import { ErrorCode } from '../core/errors.js';
import { errorSummary } from '../engine/engine.js';
import { Hearth, type Role } from '../gateway/server.js';
import { reportConfigError } from './config-validate.js';

/** Runs the given roles; refuses an in-memory bus, which cannot connect separate processes. */
export async function roleCommand(roles: Role[], opts: { config?: string }): Promise<void> {
  let hearth: Hearth;
  try {
    const loaded = loadConfig({ file: opts.config });
    if (loaded.config.bus.kind === 'memory') {
      console.error(`${ErrorCode.config}: bus.kind is memory; \`hearth ${roles.join(' ')}\` needs a shared bus (bus.kind: redis). Use \`hearth start\` for one process.`);
      process.exit(1);
    }
    hearth = new Hearth({ loaded, roles });
  } catch (err) {
    reportConfigError(err);
    process.exit(1);
  }
  const log = hearth.log;
  process.on('unhandledRejection', (err) => log.error({ errorCode: ErrorCode.internal, err: errorSummary(err) }, 'unhandled rejection'));
  process.on('uncaughtException', (err) => log.error({ errorCode: ErrorCode.internal, err: errorSummary(err) }, 'uncaught exception'));
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
}
