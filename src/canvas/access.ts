/**
 * Who may view or edit a room. Open (the default on a loopback address, like the web chat): all
 * may edit. Otherwise a credential the gateway's authenticator accepts — the API token, a machine
 * token or a login JWT from /auth/login (viewers may view, operators and admins edit) — or a share
 * link for this room. Browsers cannot set headers on a WebSocket, so the socket and export URLs
 * also take `?token=` / `?share=`; request log lines carry the path only, never the query.
 */
import type { Authenticator } from '../core/auth.js';
import type { Rights, ShareLinks } from './share-links.js';

export interface AccessRequest {
  headers: Record<string, string | string[] | undefined>;
  ip: string;
  query: { token?: unknown; share?: unknown };
}

export class CanvasAccess {
  constructor(
    private readonly mode: 'open' | 'token',
    private readonly auth: Authenticator,
    private readonly shares: ShareLinks,
  ) {}

  get open(): boolean {
    return this.mode === 'open';
  }

  /** The caller's rights on the room, or undefined when it has none (answer 401). */
  async rights(room: string, req: AccessRequest): Promise<Rights | undefined> {
    if (this.mode === 'open') return 'edit';
    let best: Rights | undefined;
    if (typeof req.query.share === 'string' && req.query.share) best = await this.shares.verify(req.query.share, room);
    if (best === 'edit') return best;
    const headers =
      typeof req.query.token === 'string' && req.query.token
        ? { authorization: `Bearer ${req.query.token}` }
        : req.headers;
    const principal = await this.auth.authenticate({ headers, ip: req.ip });
    if (principal) return principal.role === 'viewer' ? 'view' : 'edit';
    return best;
  }
}
