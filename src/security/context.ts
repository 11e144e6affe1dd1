/**
 * What the route plugins of the security module share; built once by `createSecurity`.
 */
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';
import type { AuditLog } from './audit-log.js';
import type { MachineTokens } from './machine-tokens.js';
import type { Authenticator } from '../core/auth.js';
import type { RateLimits } from './rate-limit-hooks.js';
import type { Sessions } from './sessions.js';
import type { OidcPendingStore, UserStore } from './store.js';

export type SecurityConfig = HearthConfig['security'];

export interface SecurityContext {
  config: SecurityConfig;
  log: Logger;
  authenticator: Authenticator;
  sessions: Sessions;
  users: UserStore;
  oidcPending: OidcPendingStore;
  machineTokens: MachineTokens;
  audit: AuditLog;
  rateLimits: RateLimits;
  clientIp(req: FastifyRequest): string;
}
