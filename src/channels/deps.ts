import type { Logger } from 'pino';

/** What the composition root passes to every channel factory. */
export interface ChannelDeps {
  log: Logger;
  /** Absolute data folder (WhatsApp auth state, caches). */
  dataDir: string;
}
