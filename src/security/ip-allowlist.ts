/**
 * Per-surface IP allowlists (admin, api, webhooks) as Fastify onRequest hooks. An empty list
 * admits every address; otherwise the client IP (see client-ip.ts) must fall in one of the blocks.
 */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { ErrorCode } from '../core/errors.js';
import { CidrList } from './cidr.js';
import { clientIp } from './client-ip.js';
import { sendError } from './http-error.js';

export type Surface = 'admin' | 'api' | 'webhooks';

export interface AllowlistConfig {
  trustedProxies: string[];
  admin: string[];
  api: string[];
  webhooks: string[];
}

export class IpPolicy {
  readonly trustedProxies: CidrList;
  private readonly surfaces: Record<Surface, CidrList>;

  /** Validates every CIDR up front so a typo fails at startup, not on the first request. */
  constructor(config: AllowlistConfig) {
    this.trustedProxies = new CidrList(config.trustedProxies, 'security.ipAllowlist.trustedProxies');
    this.surfaces = {
      admin: new CidrList(config.admin, 'security.ipAllowlist.admin'),
      api: new CidrList(config.api, 'security.ipAllowlist.api'),
      webhooks: new CidrList(config.webhooks, 'security.ipAllowlist.webhooks'),
    };
  }

  /** The real client IP of a request. */
  clientIp(req: FastifyRequest): string {
    return clientIp(req, this.trustedProxies);
  }

  /** True when the surface admits the address. */
  allows(surface: Surface, ip: string): boolean {
    const list = this.surfaces[surface];
    return list.size === 0 || list.has(ip);
  }

  /** An onRequest hook answering 403 to addresses outside the surface's allowlist. */
  hook(surface: Surface): onRequestAsyncHookHandler {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      if (!this.allows(surface, this.clientIp(req))) {
        return sendError(reply, 403, ErrorCode.forbidden, 'this address is not allowed here');
      }
    };
  }
}
