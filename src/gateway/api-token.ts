/**
 * The machine API token: `HEARTH_API_TOKEN` / `server.apiToken` when set; otherwise one generated
 * on first run into `<dataDir>/api-token` (mode 0600), so the API is never open by accident.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function resolveApiToken(
  configured: string | undefined,
  dataDir: string,
): { token: string; file?: string; generated: boolean } {
  if (configured) return { token: configured, generated: false };
  const file = join(dataDir, 'api-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), file, generated: false };
  mkdirSync(dataDir, { recursive: true });
  const token = `hth_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file, generated: true };
}
