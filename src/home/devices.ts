/**
 * Device names in the user's words: "the kitchen lights" finds the `home.devices` entry
 * "kitchen light", and for Home Assistant an entity whose friendly name says the same.
 */
import type { HearthConfig } from '../core/config.js';

export type DeviceMap = HearthConfig['home']['devices'];
export type Device = DeviceMap[string];

const fillers = new Set(['the', 'my', 'a', 'an', 'our', 'all']);

/** Lower case, no punctuation or filler words, last word singular: the form names are compared in. */
export function normalizeName(name: string): string {
  const words = name
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter((w) => w && !fillers.has(w));
  const last = words.length - 1;
  if (last >= 0 && words[last]!.length > 3 && words[last]!.endsWith('s') && !words[last]!.endsWith('ss'))
    words[last] = words[last]!.slice(0, -1);
  return words.join(' ');
}

/** The configured device a name refers to, if any. */
export function findDevice(name: string, devices: DeviceMap | undefined): { name: string; device: Device } | undefined {
  if (!devices) return undefined;
  const wanted = normalizeName(name);
  if (!wanted) return undefined;
  for (const [alias, device] of Object.entries(devices))
    if (normalizeName(alias) === wanted) return { name: alias, device };
  return undefined;
}

/** Device names as relevance keywords: their words, so "turn on the kitchen lights" offers the tools. */
export function deviceTriggers(devices: DeviceMap | undefined): string[] {
  return Object.keys(devices ?? {})
    .map((alias) => normalizeName(alias))
    .filter((n) => n.length > 2);
}
