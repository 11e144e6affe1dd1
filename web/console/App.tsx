/**
 * The admin console: a sign-in form (token, or the local admin's user name and password), then one
 * screen per admin task, reached by the buttons named in the pinned contract. The signed-in role
 * decides what a screen allows: a viewer sees everything read-only.
 */
import { useState, type FormEvent } from 'react';
import { Api, signIn, type Me } from './api.js';
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

const SCREENS = { Dashboard, Channels, Models, Skills, Conversations, Knowledge, Audit, Settings } as const;
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

function Login({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
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
