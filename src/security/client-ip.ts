/**
 * The real client address behind reverse proxies. `X-Forwarded-For` is believed only hop by hop
 * from the right, and only while each hop is an explicitly trusted proxy; a header sent by an
 * untrusted peer is ignored entirely, so a client cannot spoof its address.
 */
import { normalizeIp, type CidrList } from './cidr.js';

export interface PeerRequest {
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string };
  ip?: string;
}

/** The client IP of a request given the trusted-proxy list. */
export function clientIp(req: PeerRequest, trustedProxies: CidrList): string {
  // The socket peer, not Fastify's req.ip: the gateway must not set Fastify's own trustProxy.
  const peer = normalizeIp(req.socket?.remoteAddress) ?? normalizeIp(req.ip) ?? '0.0.0.0';
  if (trustedProxies.size === 0 || !trustedProxies.has(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (!raw) return peer;
  const hops = raw.split(',').slice(-32);
  let current = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeIp(hops[i]);
    // A malformed entry was written by whoever `current` trusted: stop and use the last good address.
    if (!hop) return current;
    current = hop;
    if (!trustedProxies.has(hop)) return hop;
  }
  return current;
}
