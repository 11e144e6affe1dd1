/**
 * A TCP relay in front of a real server (the local Mosquitto) that a test can cut and restore:
 * to the client it looks like the broker went away and came back, without restarting the shared
 * broker other tests use.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drops every connection and refuses new ones (the "broker" is down). */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const make = (): Server =>
    createServer((client) => {
      const upstream = createConnection(targetPort, targetHost);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  let server = make();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const stop = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      for (const s of sockets) s.destroy();
    });
  let down = false;
  return {
    port,
    cut: async () => {
      down = true;
      await stop();
    },
    restore: async () => {
      if (!down) return;
      server = make();
      await new Promise<void>((r, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', r);
      });
      down = false;
    },
    close: async () => {
      if (!down) await stop();
    },
  };
}
