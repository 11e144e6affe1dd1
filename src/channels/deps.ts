import type { Logger } from 'pino';

/** What the composition root passes to every channel factory. */
export interface ChannelDeps {
  log: Logger;
  /** Absolute data folder (WhatsApp auth state, caches). */
  dataDir: string;
  /**
   * The security module's field cipher (AES-256-GCM, keyring + master key), for channels that keep
   * secrets on disk (WhatsApp Web's linked-device credentials). `context` is bound as associated
   * data, so a value only decrypts under the context it was written with. Optional: without it
   * such files stay plaintext.
   */
  cipher?: { encrypt(plain: string, context: string): string; decrypt(value: string, context: string): string };
}
