/** The root logger: JSON lines, secrets masked (known tokens, bearer headers, keys, passwords). */
import pino, { type Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';
import { logRedaction } from '../security/index.js';

export function createLogger(level: HearthConfig['log']['level'], knownSecrets: readonly string[] = []): Logger {
  return pino({
    level,
    base: undefined,
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    ...logRedaction(knownSecrets),
  });
}
