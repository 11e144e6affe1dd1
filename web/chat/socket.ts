/**
 * The web chat's one WebSocket to `/ws` (protocol: src/channels/webchat/index.ts). It says hello
 * with the browser's identity, the conversation to open and the tab's token, and reconnects with
 * backoff when the connection drops; `open()` switches conversation (a new socket, a new hello).
 */

/** A frame from the server; its fields depend on `type`. */
export interface ServerFrame {
  type: string;
  [field: string]: unknown;
}

export type SocketState = 'connecting' | 'ready' | 'closed' | 'token';

const IDENTITY = 'hearth.identity';
const CONVERSATION = 'hearth.conversation';
const TOKEN = 'hearth.token';

export const stored = {
  identity: () => localStorage.getItem(IDENTITY) ?? undefined,
  setIdentity: (v: string) => localStorage.setItem(IDENTITY, v),
  conversation: () => localStorage.getItem(CONVERSATION) ?? undefined,
  setConversation: (v: string | undefined) =>
    v ? localStorage.setItem(CONVERSATION, v) : localStorage.removeItem(CONVERSATION),
  token: () => sessionStorage.getItem(TOKEN) ?? undefined,
  setToken: (v: string | undefined) => (v ? sessionStorage.setItem(TOKEN, v) : sessionStorage.removeItem(TOKEN)),
};

/** Keeps a token passed in the URL (#token=… or ?token=…) for this tab and removes it from the address bar. */
export function takeTokenFromUrl(): void {
  const token =
    new URLSearchParams(location.hash.slice(1)).get('token') ?? new URLSearchParams(location.search).get('token');
  if (!token) return;
  stored.setToken(token);
  history.replaceState(null, '', location.pathname);
}

export class ChatSocket {
  private ws?: WebSocket;
  private retryMs = 500;
  private timer?: ReturnType<typeof setTimeout>;
  private conversationId?: string;

  constructor(
    private readonly onFrame: (frame: ServerFrame) => void,
    private readonly onState: (state: SocketState) => void,
  ) {}

  /** Connects (again) to `conversationId`, or to a new conversation when undefined. */
  open(conversationId: string | undefined): void {
    this.close();
    this.conversationId = conversationId;
    this.connect();
  }

  /** The conversation the server confirmed: a reconnect rejoins it. */
  joined(conversationId: string): void {
    this.conversationId = conversationId;
    this.retryMs = 500;
  }

  close(): void {
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = undefined;
    ws?.close();
  }

  /** Sends a frame; false when not connected. */
  send(frame: Record<string, unknown>): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  private connect(): void {
    this.onState('connecting');
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/ws`);
    this.ws = ws;
    ws.onopen = () =>
      ws.send(
        JSON.stringify({
          type: 'hello',
          identity: stored.identity(),
          conversationId: this.conversationId,
          token: stored.token(),
        }),
      );
    ws.onmessage = (e) => {
      if (ws !== this.ws) return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(e.data)) as ServerFrame;
      } catch {
        return;
      }
      this.onFrame(frame);
    };
    ws.onclose = (e) => {
      if (ws !== this.ws) return; // replaced or closed on purpose
      this.ws = undefined;
      if (e.code === 4401) return this.onState('token');
      this.onState('closed');
      this.timer = setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }
}
