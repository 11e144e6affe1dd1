/**
 * `hearth start` (gateway and engine in one process), `hearth gateway` and `hearth engine` (one role
 * per process, for several replicas on a durable bus). One lifecycle for all three: run until
 * SIGTERM/SIGINT, then drain in-flight answers and exit 0.
 */
import { loadConfig } from '../core/config-load.js';
import { ErrorCode, errorSummary } from '../core/errors.js';
import { Hearth, type ProcessRole } from '../gateway/server.js';
import { collectWhenIdle } from '../ops/idle-gc.js';
import { reportConfigError } from './config-validate.js';

const ALL_ROLES: ProcessRole[] = ['gateway', 'engine'];

/** Runs the given roles; separate roles refuse an in-memory bus, which cannot connect processes. */
export async function runRoles(roles: ProcessRole[], opts: { config?: string }): Promise<void> {
  let hearth: Hearth;
  try {
    const loaded = loadConfig({ file: opts.config });
    if (roles.length < ALL_ROLES.length && loaded.config.bus.kind === 'memory') {
      console.error(
        `${ErrorCode.config}: bus.kind is memory; \`hearth ${roles.join(' ')}\` needs a shared bus (bus.kind: redis). Use \`hearth start\` for one process.`,
      );
      process.exit(1);
    }
    hearth = new Hearth({ loaded, roles });
  } catch (err) {
    reportConfigError(err);
    process.exit(1);
  }
  const log = hearth.log;
  // A misbehaving adapter must not take the assistant down: log it and keep serving.
  process.on('unhandledRejection', (err) =>
    log.error({ errorCode: ErrorCode.internal, err: errorSummary(err) }, 'unhandled rejection'),
  );
  process.on('uncaughtException', (err) =>
    log.error({ errorCode: ErrorCode.internal, err: errorSummary(err) }, 'uncaught exception'),
  );
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
  // Memory that start-up or a burst of traffic grew is returned once the process is idle.
  collectWhenIdle();
  if (roles.includes('gateway') && !process.env.HEARTH_QUIET && process.stderr.isTTY) {
    process.stderr.write(`\nHearth is ready: open ${hearth.url} to chat.\n\n`);
  }
}

/** `hearth start`: everything in one process. */
export function startCommand(opts: { config?: string }): Promise<void> {
  return runRoles(ALL_ROLES, opts);
}
