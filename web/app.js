// Hearth web chat: one WebSocket to /ws, the answer streamed in as it is generated.
import { addMessage, setStatus as showStatus, takeTokenFromUrl } from '/page.js';

const log = document.getElementById('log');
const form = document.getElementById('composer');
const input = document.getElementById('input');
const sendButton = document.getElementById('send');
const statusEl = document.getElementById('status');
const tokenForm = document.getElementById('token-form');
const tokenInput = document.getElementById('token');

takeTokenFromUrl();
let ws;
let retryMs = 500;
const bubbles = new Map();

const setStatus = (state, text) => showStatus(statusEl, state, text);
const add = (role, text) => addMessage(log, role, text);

function bubbleFor(replyId) {
  let el = bubbles.get(replyId);
  if (!el) {
    el = add('assistant streaming', '');
    bubbles.set(replyId, el);
  }
  return el;
}

function connect() {
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  ws = new WebSocket(`${proto}://${location.host}/ws`);
  ws.onopen = () => {
    ws.send(
      JSON.stringify({
        type: 'hello',
        // The browser's web chat identity (issued by the server once, kept here): the same user on every reload.
        identity: localStorage.getItem('hearth.identity') || undefined,
        conversationId: localStorage.getItem('hearth.conversation') || undefined,
        token: sessionStorage.getItem('hearth.token') || undefined,
      }),
    );
  };
  ws.onmessage = (e) => {
    const ev = JSON.parse(e.data);
    switch (ev.type) {
      case 'ready':
        retryMs = 500;
        localStorage.setItem('hearth.conversation', ev.conversationId);
        if (ev.identity) localStorage.setItem('hearth.identity', ev.identity);
        setStatus('ready', 'connected');
        if (!log.childElementCount) for (const m of ev.history || []) add(m.role, m.content);
        sendButton.disabled = false;
        break;
      case 'start':
        bubbleFor(ev.replyId);
        break;
      case 'delta': {
        const el = bubbleFor(ev.replyId);
        el.textContent += ev.text;
        log.scrollTop = log.scrollHeight;
        break;
      }
      case 'done': {
        const el = bubbleFor(ev.replyId);
        el.textContent = ev.text;
        el.classList.remove('streaming');
        el.dataset.done = 'true';
        bubbles.delete(ev.replyId);
        break;
      }
      case 'error': {
        if (ev.replyId) {
          bubbles.get(ev.replyId)?.remove();
          bubbles.delete(ev.replyId);
        }
        add('error', ev.message);
        if (ev.code === 'HEARTH_E_UNAUTHORIZED') {
          sessionStorage.removeItem('hearth.token');
          tokenForm.hidden = false;
          form.hidden = true;
        }
        break;
      }
    }
  };
  ws.onclose = (e) => {
    sendButton.disabled = true;
    if (e.code === 4401) return setStatus('closed', 'access token needed');
    setStatus('closed', 'disconnected — reconnecting…');
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10000);
  };
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text || !ws || ws.readyState !== WebSocket.OPEN) return;
  add('user', text);
  ws.send(JSON.stringify({ type: 'message', text }));
  input.value = '';
});
input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    form.requestSubmit();
  }
});
tokenForm.addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem('hearth.token', tokenInput.value.trim());
  tokenForm.hidden = true;
  form.hidden = false;
  connect();
});
document.getElementById('new-chat').addEventListener('click', () => {
  localStorage.removeItem('hearth.conversation');
  log.textContent = '';
  ws?.close();
});
sendButton.disabled = true;
connect();
