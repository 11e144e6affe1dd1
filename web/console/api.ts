/**
 * The console's client of the admin API: every call carries the signed-in credential as a bearer
 * token, and an error answer (`{"error": {"code", "message"}}`) becomes an `ApiError` whose message
 * the screens show as is (a refused action says why).
 */
export type Role = 'admin' | 'operator' | 'viewer';

export interface Me {
  id: string;
  role: Role;
  via: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Whether a signed-in role may do what needs `needed`. */
export const allows = (role: Role, needed: Role) => RANK[role] >= RANK[needed];

export class Api {
  constructor(readonly token: string) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(path, { method, headers, body: payload });
    const text = await res.text();
    const data = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const err = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, err?.code ?? `HTTP ${res.status}`, explain(res.status, err?.message));
    }
    return data as T;
  }

  get = <T>(path: string) => this.call<T>('GET', path);
}

function explain(status: number, message = ''): string {
  if (status === 401) return `Not signed in or the credential expired (${message || '401'})`;
  if (status === 403) return `Refused: your role may not do this (${message || '403'})`;
  return message || `HTTP ${status}`;
}

/** Signs in: a token is checked against /auth/me; a user name and password go through /auth/login. */
export async function signIn(
  credential: { token: string } | { username: string; password: string },
): Promise<{ token: string; me: Me }> {
  let token: string;
  if ('token' in credential) token = credential.token.trim();
  else {
    const res = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credential),
    });
    const data = (await res.json()) as { accessToken?: string; error?: { message: string } };
    if (!res.ok || !data.accessToken) throw new ApiError(res.status, 'login', data.error?.message ?? 'sign-in failed');
    token = data.accessToken;
  }
  const me = await new Api(token).get<Me>('/auth/me').catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 401) throw new ApiError(401, err.code, 'That token is not valid');
    throw err;
  });
  return { token, me };
}
