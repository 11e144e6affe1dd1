/**
 * Rate limits as Fastify onRequest hooks (per IP, per user/token, login attempts) and a plain
 * check for channel senders. A refused request gets 429 with `Retry-After`.
 */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { ErrorCode } from '../core/errors.js';
import { sendError } from './http-error.js';
import type { Authenticator } from '../core/auth.js';
import type { RateDecision, RateLimiter, RateRule } from './rate-limiter.js';

export type RateKind = 'ip' | 'user' | 'login';

export interface RateRules {
  ip: RateRule;
  user: RateRule;
  sender: RateRule;
  login: RateRule;
}

export class RateLimits {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly rules: RateRules,
    private readonly clientIp: (req: FastifyRequest) => string,
    private readonly authenticator: Authenticator,
  ) {}

  /**
   * An onRequest hook. `ip` and `login` count per client IP; `user` counts per authenticated
   * principal (per IP for anonymous callers, so they cannot dodge the limit by sending no token).
   */
  hook(kind: RateKind): onRequestAsyncHookHandler {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      let bucket = `${kind}:${this.clientIp(req)}`;
      if (kind === 'user') {
        const principal = await this.authenticator.authenticate(req);
        bucket = principal ? `user:id:${principal.id}` : `user:ip:${this.clientIp(req)}`;
      }
      const d = await this.limiter.hit(bucket, this.rules[kind]);
      reply.header('ratelimit-limit', this.rules[kind].limit);
      reply.header('ratelimit-remaining', d.remaining);
      if (!d.allowed) {
        reply.header('retry-after', d.retryAfterSec);
        return sendError(reply, 429, ErrorCode.rateLimited, `too many requests; retry in ${d.retryAfterSec} s`);
      }
    };
  }

  /** Counts one message from a channel sender (call before the engine runs). */
  hitSender(channel: string, senderId: string): Promise<RateDecision> {
    return this.limiter.hit(`sender:${channel}:${senderId}`, this.rules.sender);
  }
}
