/** Built-in clock: the current time anywhere, and time-zone conversion. */
import { parseManifest } from '../../manifest.js';
import { stringArg, type BuiltinSkill } from '../builtin-skill.js';
import { checkZone, formatInZone, parseWallClock } from './zoned-time.js';

export const clock: BuiltinSkill = {
  manifest: parseManifest({
    name: 'clock',
    version: '1.0.0',
    description: 'Current time and time zones',
    runtime: 'in-process',
    entry: '(built-in)',
    triggers: [
      'time',
      'date',
      'clock',
      'today',
      'tomorrow',
      'yesterday',
      'day',
      'hour',
      'timezone',
      "o'clock",
      'now',
      'when',
      '几点',
      '时间',
      '日期',
      '今天',
    ],
    tools: [
      {
        name: 'time_now',
        description: 'Current date and time in an IANA time zone (default UTC)',
        parameters: { type: 'object', properties: { timezone: { type: 'string' } } },
      },
      {
        name: 'time_convert',
        description: 'Convert a wall-clock time ("YYYY-MM-DD HH:MM" or "HH:MM") between IANA time zones',
        parameters: {
          type: 'object',
          properties: { time: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
          required: ['time', 'from', 'to'],
        },
      },
    ],
  }),
  create: () => ({
    execute: ({ tool, arguments: args }) => {
      if (tool === 'time_now') {
        const zone = checkZone(typeof args.timezone === 'string' && args.timezone ? args.timezone : 'UTC');
        const now = Date.now();
        return `${formatInZone(now, zone)} (${new Date(now).toISOString()})`;
      }
      const from = checkZone(stringArg(args, 'from'));
      const to = checkZone(stringArg(args, 'to'));
      const utc = parseWallClock(stringArg(args, 'time'), from);
      return `${formatInZone(utc, from)} = ${formatInZone(utc, to)}`;
    },
  }),
};
