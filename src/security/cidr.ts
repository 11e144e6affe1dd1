/**
 * CIDR lists on top of node:net's BlockList (IPv4 and IPv6). IPv4-mapped IPv6 addresses
 * (`::ffff:10.0.0.1`, what a dual-stack socket reports) are matched as the IPv4 address they carry.
 */
import { BlockList, isIP } from 'node:net';
import { HearthError, ErrorCode } from '../core/errors.js';

/** A plain IP address: IPv4-mapped IPv6 unwrapped, zone ids dropped; undefined for anything not an IP. */
export function normalizeIp(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let ip = raw.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1];
  return isIP(ip) ? ip.toLowerCase() : undefined;
}

export class CidrList {
  private readonly list = new BlockList();
  readonly size: number;

  /** Parses entries like `10.0.0.0/8`, `2001:db8::/32` or a bare address; throws a config error on a bad one. */
  constructor(entries: readonly string[], what = 'CIDR list') {
    for (const entry of entries) {
      const [addr, bits] = entry.trim().split('/');
      const ip = normalizeIp(addr);
      const family = ip ? isIP(ip) : 0;
      const max = family === 6 ? 128 : 32;
      const prefix = bits === undefined ? max : Number(bits);
      if (
        !ip ||
        !Number.isInteger(prefix) ||
        prefix < 0 ||
        prefix > max ||
        (bits !== undefined && !/^\d+$/.test(bits))
      ) {
        throw new HearthError(ErrorCode.config, `${what}: "${entry}" is not an IP address or CIDR block`);
      }
      this.list.addSubnet(ip, prefix, family === 6 ? 'ipv6' : 'ipv4');
    }
    this.size = entries.length;
  }

  /** True when the address is inside one of the blocks. */
  has(address: string | undefined): boolean {
    const ip = normalizeIp(address);
    if (!ip) return false;
    return this.list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
  }
}
