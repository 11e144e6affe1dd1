/**
 * Preloaded (`node --import`) into every Node skill child: outbound TCP connections and DNS
 * look-ups are allowed only to the hosts of the manifest's `permissions.hosts`. Every client in
 * Node — `net`, `tls`, `http`, `https`, `fetch` (undici) — ends in `net.Socket.prototype.connect`,
 * so guarding that one method covers them all; `dns.lookup` is guarded so a skill cannot leak data
 * through look-ups of names it may not reach. A refusal fails the connection the way a network
 * error does (the skill sees `EHOSTNOTALLOWED` with the reason) and is reported to Hearth on
 * stderr, which logs it. host-guard-preload.ts installs it in the child; this file has no side
 * effects and imports nothing of ours, so Hearth and the tests can import it too.
 */
import dns from 'node:dns';
import net from 'node:net';

/** The stderr line prefix Hearth's supervisor turns into a `skill_host_refused` log line. */
export const refusedPrefix = 'HEARTH_SKILL_HOST_REFUSED ';

/** One allowed entry: `example.com`, `*.example.com`, either with `:port`; `*` allows everything. */
interface HostRule {
  host: string;
  wildcard: boolean;
  port?: number;
}

/** Parses `permissions.hosts` entries (`[::1]:8080` for IPv6 with a port). */
export function parseHostRules(entries: readonly string[]): HostRule[] {
  return entries.map((raw) => {
    const entry = raw.trim().toLowerCase();
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? /^([^:]+)(?::(\d+))?$/.exec(entry);
    const host = m ? m[1]! : entry;
    const port = m?.[2] ? Number(m[2]) : undefined;
    const wildcard = host.startsWith('*.');
    return { host: wildcard ? host.slice(2) : host, wildcard, port };
  });
}

/** Whether `host` (a name or an IP literal) on `port` matches one of the rules. */
export function hostAllowed(rules: readonly HostRule[], host: string, port: number | undefined): boolean {
  const name = host
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^\[(.*)\]$/, '$1');
  return rules.some((r) => {
    if (r.host === '*') return true;
    if (r.port !== undefined && port !== undefined && r.port !== port) return false;
    return r.wildcard ? name.endsWith(`.${r.host}`) : name === r.host;
  });
}

/** Where a `Socket#connect` call goes, whichever of its overloads was used. */
function destinationOf(args: unknown[]): { host?: string; port?: number; path?: string } {
  // net.connect hands Socket#connect its normalized arguments as one array [options, callback].
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (first && typeof first === 'object') {
    const o = first as { host?: string; port?: number | string; path?: string };
    if (o.path !== undefined && o.path !== null) return { path: String(o.path) };
    return { host: o.host ?? 'localhost', port: o.port === undefined ? undefined : Number(o.port) };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)))
    return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(first) };
  if (typeof first === 'string') return { path: first };
  return {};
}

/** Replaces `Socket#connect` and `dns.lookup` of this process with guarded versions (for good). */
export function installHostGuard(skill: string, entries: readonly string[]): void {
  const rules = parseHostRules(entries);
  const allowedText = entries.length ? entries.join(', ') : 'none';
  const refuse = (target: string): Error => {
    process.stderr.write(`${refusedPrefix}${JSON.stringify({ host: target })}\n`);
    return Object.assign(
      new Error(
        `skill ${skill} may not connect to ${target}: not in its manifest's permissions.hosts (allowed: ${allowedText})`,
      ),
      { code: 'EHOSTNOTALLOWED' },
    );
  };

  const connect = net.Socket.prototype.connect;
  const guardedConnect = function (this: net.Socket, ...args: unknown[]): net.Socket {
    const dest = destinationOf(args);
    const target = dest.path ? `unix socket ${dest.path}` : `${dest.host}${dest.port ? `:${dest.port}` : ''}`;
    const ok = dest.path ? rules.some((r) => r.host === '*') : hostAllowed(rules, dest.host ?? '', dest.port);
    if (!ok) {
      const err = refuse(target);
      // Fail like an unreachable host: asynchronously, through the socket's 'error' event.
      process.nextTick(() => this.destroy(err));
      return this;
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  Object.defineProperty(net.Socket.prototype, 'connect', { value: guardedConnect, writable: false });

  // An IP literal is answered without asking DNS (and servers listening on 127.0.0.1 look theirs up).
  const lookupAllowed = (hostname: string) => net.isIP(hostname) !== 0 || hostAllowed(rules, hostname, undefined);
  const lookup = dns.lookup;
  const guardedLookup = function (hostname: string, ...rest: unknown[]): void {
    const callback = rest[rest.length - 1] as (err: Error | null) => void;
    if (!lookupAllowed(String(hostname))) {
      const err = refuse(String(hostname));
      process.nextTick(() => callback(err));
      return;
    }
    (lookup as (...a: unknown[]) => void)(hostname, ...rest);
  };
  Object.defineProperty(dns, 'lookup', { value: guardedLookup, writable: false });
  const lookupPromise = dns.promises.lookup;
  Object.defineProperty(dns.promises, 'lookup', {
    value: (hostname: string, ...rest: unknown[]) =>
      lookupAllowed(String(hostname))
        ? (lookupPromise as (...a: unknown[]) => Promise<unknown>)(hostname, ...rest)
        : Promise.reject(refuse(String(hostname))),
    writable: false,
  });
}
