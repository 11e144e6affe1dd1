/**
 * The root logger: one JSON object a line on stdout, secrets masked (known tokens, bearer headers, keys,
 * passwords). `log.format` picks the shape: `ecs` (default, Elastic Common Schema for ELK), `json`
 * (pino's own shape: `level` number, `msg`), `pretty` (coloured text for a terminal).
 */
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type { build as PrettyBuild } from 'pino-pretty';
import type { HearthConfig } from '../core/config.js';
import { ecsLogOptions } from '../ops/ecs-log.js';
import { logRedaction } from '../security/index.js';

export type LogFormat = HearthConfig['log']['format'];

export function createLogger(
  level: HearthConfig['log']['level'],
  knownSecrets: readonly string[] = [],
  format: LogFormat = 'ecs',
): Logger {
  const redaction = logRedaction(knownSecrets);
  if (format === 'ecs') {
    const mask = redaction.formatters!.log! as (obj: Record<string, unknown>) => Record<string, unknown>;
    const options = ecsLogOptions(mask);
    return withChildBindings(
      pino({ level, base: undefined, redact: redaction.redact, hooks: redaction.hooks, ...options }),
      options.formatters!.bindings!,
    );
  }
  const options = { level, base: undefined, messageKey: 'msg', timestamp: pino.stdTimeFunctions.isoTime, ...redaction };
  if (format === 'pretty')
    return pino(options, prettyStream()({ sync: true, messageKey: 'msg', translateTime: 'SYS:HH:MM:ss.l' }));
  return pino(options);
}

/**
 * pino-pretty (CommonJS, ~30 modules) is loaded only for `log.format: pretty`; `require` keeps
 * `createLogger` synchronous.
 */
function prettyStream(): typeof PrettyBuild {
  return (createRequire(import.meta.url)('pino-pretty') as { build: typeof PrettyBuild }).build;
}

/**
 * Pino applies `formatters.bindings` to the root logger only: a child's bindings (Fastify's
 * `requestId`, `channel`, `component`) would be written as they are. Every child, and its children
 * (they inherit `child` from their parent), passes the formatter on explicitly.
 */
function withChildBindings(root: Logger, bindings: (b: pino.Bindings) => object): Logger {
  const child = root.child;
  root.child = function (this: Logger, b, options = {}) {
    return child.call(this, b, { ...options, formatters: { bindings, ...options.formatters } });
  } as Logger['child'];
  return root;
}
