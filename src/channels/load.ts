/**
 * Reads channels.yml (path from `CHANNEL_CONFIG` or `channels:` in hearth.yml) with `${ENV}`
 * interpolation and validates it; problems name the file, the key and the reason.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, readYamlFile, validateAgainst } from '../core/config-load.js';
import { channelsFileSchema, type ChannelsFile } from './config.js';

export function loadChannelsFile(
  path: string | undefined,
  env: Record<string, string | undefined> = process.env,
): ChannelsFile {
  if (!path) return {};
  const file = resolve(path);
  if (!existsSync(file))
    throw new ConfigError([{ file, path: '', reason: 'file not found (set by CHANNEL_CONFIG or channels:)' }]);
  const { data, lineOf } = readYamlFile(file, env);
  return validateAgainst(channelsFileSchema, data, file, lineOf);
}
