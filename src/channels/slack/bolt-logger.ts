/** Bolt and its clients log through `@slack/logger`'s interface; this routes them into our pino logger. */
import type { Logger as PinoLogger } from 'pino';
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';

/** Wraps a pino logger as a Slack SDK logger. Bolt's chatter goes to debug, its warnings stay warnings. */
export function boltLogger(log: PinoLogger): SlackLogger {
  let level: LogLevel = LogLevel.INFO;
  const text = (msg: unknown[]) =>
    msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg: unknown[]) => log.debug({ lib: 'slack' }, text(msg)),
    info: (...msg: unknown[]) => log.debug({ lib: 'slack' }, text(msg)),
    warn: (...msg: unknown[]) => log.warn({ lib: 'slack' }, text(msg)),
    error: (...msg: unknown[]) => log.warn({ lib: 'slack' }, text(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
