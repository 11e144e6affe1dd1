// Who this tab is in a room: the credentials it connects with (a token kept for the tab, or a
// share link from the URL), and the name and colour others see next to its cursor.
import type { Credentials, Presence } from './session.js';

const TOKEN_KEY = 'hearth.token';
const PALETTE = ['#e03131', '#2f9e44', '#1971c2', '#f08c00', '#9c36b5', '#0c8599', '#c2255c', '#5c940d'];

export function roomFromPath(path: string): string {
  return decodeURIComponent(path.replace(/^\/canvas\//, '').split('/')[0] ?? '');
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** Takes `#token=` / `#share=` from the address (then removes them from it) and returns what to connect with. */
export function credentialsFor(room: string): Credentials {
  const hash = new URLSearchParams(location.hash.slice(1));
  const shareKey = `hearth.canvas.share.${room}`;
  const share = hash.get('share');
  const token = hash.get('token');
  if (share) sessionStorage.setItem(shareKey, share);
  if (token) saveToken(token);
  if (share || token) history.replaceState(null, '', location.pathname + location.search);
  return {
    token: sessionStorage.getItem(TOKEN_KEY) ?? undefined,
    share: sessionStorage.getItem(shareKey) ?? undefined,
  };
}

/** A name and colour kept per browser, so a person looks the same in every room. */
export function presence(): Presence {
  const stored = localStorage.getItem('hearth.canvas.presence');
  if (stored) {
    try {
      const p = JSON.parse(stored) as Presence;
      if (typeof p.name === 'string' && typeof p.color === 'string') return p;
    } catch {
      // A damaged entry is replaced below.
    }
  }
  const p = {
    name: `Guest ${Math.floor(100 + Math.random() * 900)}`,
    color: PALETTE[Math.floor(Math.random() * PALETTE.length)]!,
  };
  localStorage.setItem('hearth.canvas.presence', JSON.stringify(p));
  return p;
}
