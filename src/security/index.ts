/**
 * The security module's composition: `createSecurity` builds authentication, sessions, machine
 * tokens, role guards, IP allowlists, rate limits, field encryption, the audit log and TLS from
 * the `security` config section. The gateway wires the returned pieces into its routes.
 */
import { mkdirSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler, preHandlerAsyncHookHandler } from 'fastify';
import type { Server } from 'node:https';
import type { Logger } from 'pino';
import { openSqliteAuditLog, type AuditLog } from './audit-log.js';
import { registerAuthRoutes } from './auth-routes.js';
import { createAuthenticator } from './authenticator.js';
import type { SecurityConfig, SecurityContext } from './context.js';
import { openFieldCipher, securityPaths } from './data-files.js';
import type { FieldCipher } from './field-cipher.js';
import { IpPolicy, type Surface } from './ip-allowlist.js';
import { MachineTokens } from './machine-tokens.js';
import { registerOidcRoutes } from './oidc-routes.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { Authenticator, Role } from '../core/auth.js';
import { RateLimits, type RateKind } from './rate-limit-hooks.js';
import { MemoryRateLimiter, type RateLimiter } from './rate-limiter.js';
import { protectAdminRoutes, requireRole } from './roles.js';
import { securityErrorHandler } from './route-errors.js';
import { openSqliteSecretStore, type SecretStore } from './secret-store.js';
import { Sessions } from './sessions.js';
import { openSqliteSecurityStore } from './sqlite-security-store.js';
import { readTlsFiles, watchCertificates } from './tls.js';
import { TokenSigner } from './token-signer.js';
import { registerTokenRoutes } from './token-routes.js';

export interface SecurityDeps {
  dataDir: string;
  log: Logger;
  /** The deployment's admin bearer token (HEARTH_API_TOKEN or generated); always accepted as admin. */
  apiToken: string;
  /** Redis URL; when set (and rateLimit.store is auto or redis) rate limits are shared across replicas. */
  redisUrl?: string;
  /** Environment (HEARTH_MASTER_KEY, HEARTH_ADMIN_PASSWORD); process.env when absent. */
  env?: Record<string, string | undefined>;
}

export interface Security {
  authenticator: Authenticator;
  /** Registers `/auth/*` (local login, refresh, logout, me, OIDC) and `/admin/tokens`. */
  register(app: FastifyInstance): Promise<void>;
  /** Guards every route under /admin registered after this call (viewer reads, operator writes, admin for credentials). */
  protectAdminRoutes(app: FastifyInstance): void;
  /** preHandler: 401 without credentials, 403 below `role`. */
  requireRole(role: Role): preHandlerAsyncHookHandler;
  /** onRequest hook: 403 outside the surface's CIDR allowlist. */
  ipAllowlist(surface: Surface): onRequestAsyncHookHandler;
  /** onRequest hook: 429 + Retry-After beyond the limit. */
  rateLimit(kind: RateKind): onRequestAsyncHookHandler;
  /** Counts a channel sender's message; refuse the message when `allowed` is false. */
  hitSender(channel: string, senderId: string): Promise<{ allowed: boolean; retryAfterSec: number }>;
  /** The real client IP (trusted proxies honoured). */
  clientIp(req: FastifyRequest): string;
  audit: AuditLog;
  crypto: FieldCipher;
  /** Encrypted named secrets (channel tokens, provider keys set in the console). */
  secrets: SecretStore;
  /** Whether stored message bodies should be encrypted (security.encryption.messageBodies). */
  encryptMessageBodies: boolean;
  /** Options for Fastify's `https`, or undefined when native TLS is not configured. */
  tlsOptions(): ReturnType<typeof readTlsFiles> | undefined;
  /** Starts certificate hot reload on the HTTPS server (call after listen). */
  watchCertificates(server: Pick<Server, 'setSecureContext'>): void;
  close(): Promise<void>;
}

/** Makes sure the configured local admin account exists with the configured password. */
async function ensureLocalAdmin(
  config: SecurityConfig,
  users: SecurityContext['users'],
  env: Record<string, string | undefined>,
  log: Logger,
): Promise<void> {
  const username = config.admin.username;
  if (config.admin.passwordHash) {
    await users.upsertUser({ username, passwordHash: config.admin.passwordHash, role: 'admin' });
    return;
  }
  const password = env.HEARTH_ADMIN_PASSWORD;
  if (password) {
    const existing = await users.findUser(username);
    if (!existing || !(await verifyPassword(password, existing.passwordHash))) {
      await users.upsertUser({ username, passwordHash: await hashPassword(password), role: 'admin' });
    }
    return;
  }
  if (!(await users.findUser(username)))
    log.info('no local admin password set (HEARTH_ADMIN_PASSWORD); sign in with the API token or OIDC');
}

/** Builds the security module. Opens its SQLite files under `dataDir/security`. */
export async function createSecurity(config: SecurityConfig, deps: SecurityDeps): Promise<Security> {
  const env = deps.env ?? process.env;
  const log = deps.log.child({ module: 'security' });
  const paths = securityPaths(deps.dataDir);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });

  const ipPolicy = new IpPolicy(config.ipAllowlist);
  const crypto = openFieldCipher(config, deps.dataDir, env, log);
  const store = openSqliteSecurityStore(paths.db);
  const secrets = openSqliteSecretStore(paths.db, crypto);
  const audit = openSqliteAuditLog(paths.audit, config.audit.retentionDays);
  const signer = await TokenSigner.open(config.jwt.keyFile ?? paths.jwtKey, config.jwt);
  const sessions = new Sessions(store, signer, config.jwt.refreshTtlSec);
  const machineTokens = new MachineTokens(store);
  const authenticator = createAuthenticator({ apiToken: deps.apiToken, signer, sessions, machineTokens });
  const useRedis = config.rateLimit.store === 'redis' || (config.rateLimit.store === 'auto' && !!deps.redisUrl);
  if (config.rateLimit.store === 'redis' && !deps.redisUrl)
    log.warn('rateLimit.store is redis but no Redis URL is configured; counting per process');
  // ioredis is imported only when limits are shared through Redis.
  const limiter: RateLimiter =
    useRedis && deps.redisUrl
      ? new (await import('./redis-rate-limiter.js')).RedisRateLimiter(deps.redisUrl, log)
      : new MemoryRateLimiter();
  const clientIp = (req: FastifyRequest) => ipPolicy.clientIp(req);
  const rateLimits = new RateLimits(limiter, config.rateLimit, clientIp, authenticator);
  await ensureLocalAdmin(config, store, env, log);

  const ctx: SecurityContext = {
    config,
    log,
    authenticator,
    sessions,
    users: store,
    oidcPending: store,
    machineTokens,
    audit,
    rateLimits,
    clientIp,
  };
  // Retention runs at start and daily; unref'd so it never holds the process open.
  const pruneAudit = () =>
    audit.prune().catch((err: unknown) => log.error({ err: (err as Error).message }, 'audit pruning failed'));
  void pruneAudit();
  const pruneTimer = setInterval(pruneAudit, 24 * 3600_000);
  pruneTimer.unref();
  let stopWatching: (() => void) | undefined;

  return {
    authenticator,
    async register(app) {
      await app.register(async (scope) => {
        scope.setErrorHandler(securityErrorHandler);
        scope.addHook('onRequest', ipPolicy.hook('admin'));
        await registerAuthRoutes(scope, ctx);
        await registerOidcRoutes(scope, ctx);
        await registerTokenRoutes(scope, ctx);
      });
    },
    protectAdminRoutes: (app) => protectAdminRoutes(app, authenticator),
    requireRole: (role) => requireRole(role, authenticator),
    ipAllowlist: (surface) => ipPolicy.hook(surface),
    rateLimit: (kind) => rateLimits.hook(kind),
    hitSender: (channel, senderId) => rateLimits.hitSender(channel, senderId),
    clientIp,
    audit,
    crypto,
    secrets,
    encryptMessageBodies: config.encryption.messageBodies,
    tlsOptions: () => (config.tls ? readTlsFiles(config.tls) : undefined),
    watchCertificates(server) {
      if (config.tls && !stopWatching) stopWatching = watchCertificates(server, config.tls, log);
    },
    async close() {
      clearInterval(pruneTimer);
      stopWatching?.();
      await limiter.close();
      secrets.close();
      store.close();
      audit.close();
    },
  };
}

export { requireRole, requireScope, principalOf, protectAdminRoutes, adminRouteRole } from './roles.js';
export { apiTokenAuthenticator } from './authenticator.js';
export { logRedaction, redactPaths, maskSecrets, maskString } from './redaction.js';
export { rotateKeys, verifyAudit, exportAudit } from './cli.js';
export { valueCipher, messageBodySource, conversationTitleSource, conversationContextSources } from './value-cipher.js';
export { openFieldCipher, securityPaths } from './data-files.js';
export type { EncryptedFieldSource } from './encrypted-fields.js';
