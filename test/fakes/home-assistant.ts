/**
 * A protocol-faithful fake of Home Assistant's REST API (developers.home-assistant.io/docs/api/rest)
 * for tests: `GET /api/`, `GET /api/states`, `GET /api/states/<entity_id>`, `POST
 * /api/services/<domain>/<service>` with bearer auth (a wrong token gets HA's plain
 * "401: Unauthorized"), HA's `{"message": …}` error bodies (404 unknown entity, 400 unknown service
 * or bad JSON), and service calls that change entity states and answer with the changed states.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeEntity {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
  last_updated: string;
}

export interface ServiceCall {
  domain: string;
  service: string;
  data: Record<string, unknown>;
  /** When it arrived (ms epoch). */
  at: number;
}

export interface HomeAssistantFake {
  baseUrl: string;
  token: string;
  entities: Map<string, FakeEntity>;
  calls: ServiceCall[];
  /** Every Authorization header received (to check the token is sent, and only to HA). */
  authHeaders: string[];
  set(entityId: string, state: string, attributes?: Record<string, unknown>): void;
  close(): Promise<void>;
}

const onOffDomains = new Set(['light', 'switch', 'fan', 'input_boolean', 'homeassistant']);

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startHomeAssistantFake(
  options: { token?: string; entities?: Array<Pick<FakeEntity, 'entity_id' | 'state' | 'attributes'>> } = {},
): Promise<HomeAssistantFake> {
  const token = options.token ?? 'ha-long-lived-token-0123456789';
  const entities = new Map<string, FakeEntity>();
  const calls: ServiceCall[] = [];
  const authHeaders: string[] = [];
  const set = (entityId: string, state: string, attributes?: Record<string, unknown>) => {
    const now = new Date().toISOString();
    const old = entities.get(entityId);
    entities.set(entityId, {
      entity_id: entityId,
      state,
      attributes: { ...(old?.attributes ?? {}), ...(attributes ?? {}) },
      last_changed: old && old.state === state ? old.last_changed : now,
      last_updated: now,
    });
  };
  for (const e of options.entities ?? []) set(e.entity_id, e.state, e.attributes);

  /** Runs a service on its targets; returns the entities that changed (what HA answers). */
  const runService = (domain: string, service: string, data: Record<string, unknown>): FakeEntity[] | undefined => {
    const ids =
      data.entity_id === undefined
        ? []
        : Array.isArray(data.entity_id)
          ? (data.entity_id as string[])
          : [String(data.entity_id)];
    const targets = ids.filter((id) => entities.has(id));
    const changed: FakeEntity[] = [];
    const apply = (id: string, state: string, attributes?: Record<string, unknown>) => {
      set(id, state, attributes);
      changed.push(entities.get(id)!);
    };
    if (onOffDomains.has(domain) && ['turn_on', 'turn_off', 'toggle'].includes(service)) {
      for (const id of targets) {
        const on = service === 'toggle' ? entities.get(id)!.state !== 'on' : service === 'turn_on';
        const attrs: Record<string, unknown> = {};
        if (id.startsWith('light.')) {
          if (typeof data.brightness === 'number') attrs.brightness = data.brightness;
          else if (typeof data.brightness_pct === 'number')
            attrs.brightness = Math.round((data.brightness_pct * 255) / 100);
          else attrs.brightness = on ? (entities.get(id)!.attributes.brightness ?? 255) : null;
        }
        apply(id, on ? 'on' : 'off', attrs);
      }
      return changed;
    }
    if (domain === 'climate' && service === 'set_temperature') {
      for (const id of targets) apply(id, entities.get(id)!.state, { temperature: data.temperature });
      return changed;
    }
    if (domain === 'climate' && service === 'set_hvac_mode') {
      for (const id of targets) apply(id, String(data.hvac_mode));
      return changed;
    }
    if (domain === 'scene' && service === 'turn_on') {
      for (const id of targets) apply(id, new Date().toISOString());
      return changed;
    }
    return undefined;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://ha');
      const auth = req.headers.authorization ?? '';
      authHeaders.push(auth);
      if (auth !== `Bearer ${token}`) {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' }).end('401: Unauthorized');
        return;
      }
      if (req.method === 'GET' && url.pathname === '/api/') return send(res, 200, { message: 'API running.' });
      if (req.method === 'GET' && url.pathname === '/api/states') return send(res, 200, [...entities.values()]);
      const state = /^\/api\/states\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && state) {
        const e = entities.get(decodeURIComponent(state[1]!));
        return e ? send(res, 200, e) : send(res, 404, { message: 'Entity not found.' });
      }
      const svc = /^\/api\/services\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'POST' && svc) {
        const raw = await readBody(req);
        let data: Record<string, unknown> = {};
        if (raw.trim()) {
          try {
            data = JSON.parse(raw) as Record<string, unknown>;
          } catch {
            return send(res, 400, { message: 'Invalid JSON specified.' });
          }
        }
        const [domain, service] = [svc[1]!, svc[2]!];
        const changed = runService(domain, service, data);
        if (!changed) return send(res, 400, { message: `Service ${domain}.${service} not found.` });
        calls.push({ domain, service, data, at: Date.now() });
        return send(res, 200, changed);
      }
      if (url.pathname.startsWith('/api/')) return send(res, 405, { message: 'Method not allowed.' });
      res.writeHead(404).end('404: Not Found');
    })().catch(() => res.writeHead(500).end('500 Internal Server Error'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    token,
    entities,
    calls,
    authHeaders,
    set,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
