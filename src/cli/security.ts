import { join, resolve } from 'node:path';
import { loadChannelsFile } from '../channels/load.js';
import { whatsappAuthKeySource } from '../channels/whatsapp/auth-key-rotation.js';
import { loadConfig } from '../core/config-load.js';
import { createLogger } from '../gateway/logger.js';
import type { MessageBodySource } from '../core/stores.js';
import {
  exportAudit,
  messageBodySource,
  conversationTitleSource,
  conversationContextSources,
  rotateKeys,
  verifyAudit,
  type EncryptedFieldSource,
} from '../security/index.js';
import { createHistoryStore } from '../storage/index.js';
import { reportConfigError } from './config-validate.js';

function configOrExit(file: string | undefined) {
  try {
    return loadConfig({ file }).config;
  } catch (err) {
    reportConfigError(err);
    process.exit(1);
  }
}

/** `hearth keys rotate`: a new data key; every encrypted value re-encrypted; unused keys retired. */
export async function keysRotateCommand(opts: { config?: string }): Promise<void> {
  const config = configOrExit(opts.config);
  const dataDir = resolve(config.dataDir);
  // WhatsApp Web's linked-device credentials are encrypted files: rotate them with everything else,
  // or retiring the old key would lock the device out.
  const channels = loadChannelsFile(config.channels);
  const configured = channels.whatsapp?.web?.authDir;
  const authDir = configured ? resolve(configured) : join(dataDir, 'whatsapp');
  const sources: EncryptedFieldSource[] = [whatsappAuthKeySource(authDir)];
  const history = await createHistoryStore(config);
  await history.open();
  let retire = true;
  try {
    if ('messageBodies' in history) {
      sources.push(
        messageBodySource(history as unknown as MessageBodySource, config.security.encryption.messageBodies),
        conversationTitleSource(history, config.security.encryption.messageBodies),
        ...conversationContextSources(history, config.security.encryption.messageBodies),
      );
    } else if (config.security.encryption.messageBodies) {
      // This backend cannot list its bodies: keep every old key so none of them becomes unreadable.
      retire = false;
      console.error(`${config.storage.history.kind} history: message bodies are not re-encrypted; old keys are kept`);
    }
    const report = await rotateKeys({ config: config.security, dataDir, log: createLogger('warn'), sources, retire });
    console.log(`new key ${report.newKeyId}: ${report.reencrypted} values re-encrypted, ${report.skipped} skipped`);
    if (report.retired.length) console.log(`retired keys: ${report.retired.join(', ')}`);
    for (const [id, n] of Object.entries(report.stillInUse)) console.log(`key ${id} still used by ${n} values`);
  } finally {
    await history.close();
  }
}

/** `hearth audit verify`: exit 0 when the hash chain is intact, 1 when a row was edited or removed, 2 when there is no log. */
export async function auditVerifyCommand(opts: { config?: string }): Promise<void> {
  const config = configOrExit(opts.config);
  process.exitCode = (
    await verifyAudit({ dataDir: resolve(config.dataDir), retentionDays: config.security.audit.retentionDays })
  ).exitCode;
}

/** `hearth audit export [--since ISO]`: JSON lines on stdout. */
export async function auditExportCommand(opts: { config?: string; since?: string }): Promise<void> {
  const config = configOrExit(opts.config);
  const since = opts.since ? Date.parse(opts.since) : undefined;
  if (opts.since && Number.isNaN(since)) {
    console.error(`--since: not a date: ${opts.since}`);
    process.exitCode = 1;
    return;
  }
  await exportAudit({ dataDir: resolve(config.dataDir), out: process.stdout, since });
}
