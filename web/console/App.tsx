/**
 * The admin console: a sign-in form (token, or the local admin's user name and password), then one
 * screen per admin task, reached by the buttons named in the pinned contract (and Approvals, Usage).
 * The signed-in role decides what a screen allows: a viewer sees everything read-only. An OpenID
 * Connect sign-in (when `GET /auth/providers` lists one) comes back to /console with the access
 * token in the URL fragment (`security.oidc.postLoginRedirect`), taken here and wiped from the URL.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { Api, signIn, type Me } from './api.js';
import { Approvals, Usage } from './safety.js';
import {
  Audit,
  Channels,
  Conversations,
  Dashboard,
  Knowledge,
  Models,
  Settings,
  Skills,
  type ScreenProps,
} from './screens.js';

const SCREENS = {
  Dashboard,
  Channels,
  Models,
  Skills,
  Conversations,
  Approvals,
  Usage,
  Knowledge,
  Audit,
  Settings,
} as const;
type ScreenName = keyof typeof SCREENS;
const STORAGE = 'hearth.console.session';

interface Session {
  token: string;
  me: Me;
}

function storedSession(): Session | undefined {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE) ?? 'null') ?? undefined;
  } catch {
    return undefined;
  }
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(storedSession);
  const [screen, setScreen] = useState<ScreenName>('Dashboard');
  const signedIn = (s: Session) => {
    sessionStorage.setItem(STORAGE, JSON.stringify(s));
    setSession(s);
  };
  const signOut = () => {
    sessionStorage.removeItem(STORAGE);
    setSession(undefined);
  };
  if (!session) return <Login onSignedIn={signedIn} />;
  const Screen = SCREENS[screen];
  const props: ScreenProps = { api: new Api(session.token), role: session.me.role, onUnauthorized: signOut };
  return (
    <div className="shell">
      <header>
        <h1>Hearth console</h1>
        <nav aria-label="Screens">
          {(Object.keys(SCREENS) as ScreenName[]).map((name) => (
            <button
              key={name}
              type="button"
              aria-current={name === screen ? 'page' : undefined}
              onClick={() => setScreen(name)}
            >
              {name}
            </button>
          ))}
        </nav>
        <div className="who">
          <span data-testid="who">
            {session.me.id} · <strong>{session.me.role}</strong>
          </span>
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="screen" data-screen={screen}>
        <h2>{screen}</h2>
        <Screen key={screen} {...props} />
      </main>
    </div>
  );
}

/** The access token an OIDC sign-in left in the URL fragment, removed from the address bar. */
function tokenFromFragment(): string | undefined {
  const token = new URLSearchParams(location.hash.slice(1)).get('access_token') ?? undefined;
  if (token) history.replaceState(null, '', location.pathname + location.search);
  return token;
}

function Login({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [oidc, setOidc] = useState<{ name: string; loginUrl: string } | null>(null);
  useEffect(() => {
    fetch('/auth/providers')
      .then((r) => (r.ok ? (r.json() as Promise<{ oidc: { name: string; loginUrl: string } | null }>) : null))
      .then((p) => setOidc(p?.oidc ?? null))
      .catch(() => setOidc(null));
    const token = tokenFromFragment();
    if (token)
      signIn({ token }).then(onSignedIn, (err: unknown) => setError(`Single sign-on: ${(err as Error).message}`));
  }, []);
  const submit = (credential: Parameters<typeof signIn>[0]) => async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await signIn(credential));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const [token, setToken] = useState('');
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  return (
    <main className="login">
      <h1>Hearth console</h1>
      <form onSubmit={submit({ token })}>
        <label>
          Token
          <input
            name="token"
            type="password"
            autoComplete="off"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          Sign in with token
        </button>
      </form>
      <p className="or">or</p>
      {oidc && (
        <>
          <a className="button" href={oidc.loginUrl}>
            Sign in with {oidc.name}
          </a>
          <p className="or">or</p>
        </>
      )}
      <form onSubmit={submit({ username, password })}>
        <label>
          User name
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </main>
  );
}
