// The voice page's helpers: the token handed over in the URL, the status line, and
// the message bubbles.

/** Keeps a token passed in the URL (#token=… or ?token=…) for this tab and removes it from the address bar. */
export function takeTokenFromUrl() {
  const token =
    new URLSearchParams(location.hash.slice(1)).get('token') ?? new URLSearchParams(location.search).get('token');
  if (!token) return;
  sessionStorage.setItem('hearth.token', token);
  history.replaceState(null, '', location.pathname);
}

export function setStatus(el, state, text) {
  el.dataset.state = state;
  el.textContent = text;
}

/** Appends a message bubble (`kind`: user, assistant, error, notice, …) and scrolls to it. */
export function addMessage(log, kind, text) {
  const el = document.createElement('div');
  el.className = `msg ${kind}`;
  el.textContent = text;
  log.append(el);
  log.scrollTop = log.scrollHeight;
  return el;
}
