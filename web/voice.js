// Hearth voice page: one WebRTC call to the gateway. The microphone goes up as Opus; the answer
// comes back as an audio track, and transcripts/answer text arrive on the "events" data channel.
import { addMessage, setStatus as showStatus, takeTokenFromUrl } from '/page.js';
const log = document.getElementById('log');
const statusEl = document.getElementById('status');
const connectBtn = document.getElementById('connect');
const talkBtn = document.getElementById('talk');
const hangupBtn = document.getElementById('hangup');
const handsFree = document.getElementById('hands-free');
const latencyEl = document.getElementById('latency');
const remote = document.getElementById('remote');
const tokenForm = document.getElementById('token-form');
const tokenInput = document.getElementById('token');

const params = new URLSearchParams(location.search); // read before the token is taken out of the address
takeTokenFromUrl();

/** State the end-to-end test reads: the peer connection and every data-channel event. */
const state = (window.hearthVoice = { pc: null, events: [], connected: false });
let mic = null;
let channel = null;
let answerEl = null;

const setStatus = (s, text) => showStatus(statusEl, s, text);
const add = (kind, text) => addMessage(log, kind, text);

/** Push-to-talk sends silence while the button is up; hands-free always sends the microphone. */
function setMicOpen(open) {
  if (mic) mic.enabled = open;
  talkBtn.setAttribute('aria-pressed', String(open));
}

function onEvent(ev) {
  state.events.push(ev);
  switch (ev.type) {
    case 'listening':
      state.connected = true;
      return setStatus('listening', 'listening');
    case 'speech-start':
      return setStatus('hearing', 'hearing you…');
    case 'transcript':
      add('user', ev.text);
      return setStatus('listening', 'thinking…');
    case 'no-speech':
      return setStatus('listening', 'listening');
    case 'answer-start':
      answerEl = add('assistant streaming', '');
      return setStatus('speaking', 'answering');
    case 'answer-delta':
      if (!answerEl) answerEl = add('assistant streaming', '');
      answerEl.textContent += ev.text;
      log.scrollTop = log.scrollHeight;
      return;
    case 'answer-done':
      if (answerEl) {
        answerEl.textContent = ev.text;
        answerEl.classList.remove('streaming');
      } else add('assistant', ev.text);
      answerEl = null;
      return setStatus('listening', 'listening');
    case 'interrupted':
      answerEl?.classList.remove('streaming');
      answerEl = null;
      return add('notice', 'interrupted');
    case 'latency':
      latencyEl.textContent = `${ev.turn.totalMs} ms to first audio`;
      return;
    case 'error':
      return add('error', ev.message);
  }
}

function waitForIce(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => pc.iceGatheringState === 'complete' && resolve();
    pc.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, 3000);
  });
}

async function connect() {
  connectBtn.disabled = true;
  setStatus('connecting', 'connecting…');
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: false, autoGainControl: true },
    });
    mic = stream.getAudioTracks()[0];
    const pc = (state.pc = new RTCPeerConnection());
    pc.addTrack(mic, stream);
    pc.ontrack = (e) => {
      remote.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      remote.play().catch(() => undefined);
    };
    channel = pc.createDataChannel('events');
    channel.onmessage = (e) => onEvent(JSON.parse(e.data));
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') hangup('connection lost');
    };
    await pc.setLocalDescription(await pc.createOffer());
    await waitForIce(pc);
    const token = sessionStorage.getItem('hearth.token');
    const res = await fetch('/voice/offer', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({
        sdp: pc.localDescription.sdp,
        sessionId: localStorage.getItem('hearth.voice-session') || undefined,
      }),
    });
    if (res.status === 401) {
      tokenForm.hidden = false;
      throw new Error('access token needed');
    }
    const body = await res.json();
    if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
    localStorage.setItem('hearth.voice-session', body.sessionId);
    await pc.setRemoteDescription({ type: 'answer', sdp: body.sdp });
    setMicOpen(handsFree.checked);
    talkBtn.hidden = handsFree.checked;
    hangupBtn.hidden = false;
    connectBtn.hidden = true;
  } catch (err) {
    hangup(err.message);
  }
}

function hangup(reason) {
  if (channel?.readyState === 'open') channel.send(JSON.stringify({ type: 'hangup' }));
  state.pc?.close();
  mic?.stop();
  state.pc = null;
  state.connected = false;
  mic = channel = null;
  connectBtn.hidden = false;
  connectBtn.disabled = false;
  talkBtn.hidden = hangupBtn.hidden = true;
  setStatus('closed', reason || 'not connected');
}

connectBtn.addEventListener('click', connect);
hangupBtn.addEventListener('click', () => hangup('hung up'));
handsFree.addEventListener('change', () => {
  talkBtn.hidden = handsFree.checked || !state.pc;
  setMicOpen(handsFree.checked);
});
const press = () => {
  // Pressing to talk interrupts the assistant at once, before the server even hears speech.
  if (channel?.readyState === 'open') channel.send(JSON.stringify({ type: 'interrupt' }));
  setMicOpen(true);
};
const release = () => setMicOpen(false);
talkBtn.addEventListener('pointerdown', press);
talkBtn.addEventListener('pointerup', release);
talkBtn.addEventListener('pointerleave', release);
tokenForm.addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem('hearth.token', tokenInput.value.trim());
  tokenForm.hidden = true;
  connect();
});
if (params.get('autostart') === '1') connect();
