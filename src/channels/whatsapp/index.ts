/**
 * The WhatsApp channel: WhatsApp Web through Baileys (`mode: web`, QR pairing) or the official
 * Cloud API (`mode: cloud`, webhook at /webhooks/whatsapp). In web mode the channel object has a
 * `qr()` method returning the pending pairing QR as a PNG data URL, for the admin console; its
 * credentials are encrypted with `deps.cipher` (the security module's field cipher).
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { Channel } from '../../core/channel.js';
import type { ChannelDeps } from '../deps.js';
import { WhatsAppCloudChannel } from './cloud.js';
import type { WhatsappConfig } from './config.js';
import { WhatsAppWebChannel, type SocketFactory } from './web.js';

export { WhatsAppCloudChannel } from './cloud.js';
export { WhatsAppWebChannel } from './web.js';

/** Creates the WhatsApp channel from its channels.yml section. `makeSocket` lets tests drive Baileys' events. */
export function createChannel(
  config: WhatsappConfig,
  deps: ChannelDeps,
  testing?: { makeSocket?: SocketFactory; writeTerminal?: (text: string) => void },
): Channel {
  const log = deps.log.child({ channel: 'whatsapp' });
  if (config.mode === 'cloud') {
    if (!config.cloud) throw new Error('whatsapp: mode cloud needs the cloud section');
    return new WhatsAppCloudChannel(config.cloud, log, config.maxMediaBytes);
  }
  const dir = config.web.authDir;
  const authDir = dir ? (isAbsolute(dir) ? dir : resolve(dir)) : join(deps.dataDir, 'whatsapp');
  return new WhatsAppWebChannel(
    {
      authDir,
      printQr: config.web.printQr,
      reconnect: config.reconnect,
      cipher: deps.cipher,
      makeSocket: testing?.makeSocket,
      writeTerminal: testing?.writeTerminal,
      maxMediaBytes: config.maxMediaBytes,
    },
    log,
  );
}
