/**
 * A client of Home Assistant's REST API (developers.home-assistant.io/docs/api/rest): `GET
 * /api/states`, `GET /api/states/<entity_id>`, `POST /api/services/<domain>/<service>`, with a
 * long-lived access token as bearer. Errors come back as messages the model can relay; the token
 * never appears in them.
 */
import type { HearthConfig } from '../core/config.js';

export type HomeAssistantSettings = NonNullable<HearthConfig['skills']['homeAssistant']>;

export interface EntityState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed?: string;
  last_updated?: string;
}

export class HomeAssistantError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const entityIdPattern = /^[a-z_]+\.[a-z0-9_]+$/;
const serviceNamePattern = /^[a-z_][a-z0-9_]*$/;

export function isEntityId(s: string): boolean {
  return entityIdPattern.test(s);
}

export function friendlyName(e: EntityState): string {
  const n = e.attributes.friendly_name;
  return typeof n === 'string' && n ? n : e.entity_id;
}

export class HomeAssistantClient {
  private readonly base: string;

  constructor(private readonly settings: HomeAssistantSettings) {
    this.base = settings.url.replace(/\/+$/, '');
  }

  states(signal?: AbortSignal): Promise<EntityState[]> {
    return this.request<EntityState[]>('GET', '/api/states', undefined, signal);
  }

  state(entityId: string, signal?: AbortSignal): Promise<EntityState> {
    if (!isEntityId(entityId)) throw new HomeAssistantError(`"${entityId}" is not an entity id (like light.kitchen)`);
    return this.request<EntityState>('GET', `/api/states/${entityId}`, undefined, signal);
  }

  /** Calls a service; Home Assistant answers with the states that changed. */
  callService(
    domain: string,
    service: string,
    data: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<EntityState[]> {
    if (!serviceNamePattern.test(domain) || !serviceNamePattern.test(service))
      throw new HomeAssistantError(`"${domain}.${service}" is not a service name (like light.turn_on)`);
    return this.request<EntityState[]>('POST', `/api/services/${domain}/${service}`, data, signal);
  }

  private async request<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const signals = [AbortSignal.timeout(this.settings.timeoutMs), ...(signal ? [signal] : [])];
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.settings.token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any(signals),
      });
    } catch (err) {
      const why =
        (err as Error).name === 'TimeoutError'
          ? `no answer within ${this.settings.timeoutMs} ms`
          : 'it is not reachable';
      throw new HomeAssistantError(`Home Assistant at ${new URL(this.base).host}: ${why}`);
    }
    const text = await res.text();
    if (res.ok) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new HomeAssistantError('Home Assistant answered with something that is not JSON', res.status);
      }
    }
    throw new HomeAssistantError(errorMessage(res.status, text), res.status);
  }
}

/** Home Assistant's error bodies: `{"message": …}` for 400/404, plain "401: Unauthorized" for a bad token. */
function errorMessage(status: number, text: string): string {
  let message: string | undefined;
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: use the status below
  }
  if (status === 401 || status === 403) return 'Home Assistant refused the access token (skills.homeAssistant.token)';
  if (status === 404) return `Home Assistant: ${message ?? 'not found'}`;
  return `Home Assistant answered ${status}${message ? `: ${message}` : ''}`;
}
