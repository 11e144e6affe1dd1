/**
 * The security module's own routes: `/auth/*` (local login, refresh, logout, me, OpenID Connect)
 * and `/admin/tokens` (machine API tokens). They are defined in src/security/; this plugin mounts them.
 */
import type { GatewayDeps, GatewayPlugin } from '../plugin.js';

export const securityRoutesPlugin: GatewayPlugin<Pick<GatewayDeps, 'security'>> = async (app, deps) => {
  await deps.security.register(app);
};
