/** A minimal web chat client for tests: the same /ws protocol the web chat page (web/chat/) speaks. */
import WebSocket from 'ws';
import type { Json } from './json.js';

/** Opens /ws, says hello, sends one message and collects reply events until `done` or `error`. */
export async function chatOverWs(baseUrl: string, text: string, hello: Record<string, unknown> = {}) {
  const ws = new WebSocket(baseUrl.replace('http', 'ws') + '/ws');
  const events: Array<Record<string, Json>> = [];
  try {
    return await new Promise<{ events: Array<Record<string, Json>>; ready: Record<string, Json> }>(
      (resolve, reject) => {
        let ready: Record<string, Json>;
        const timer = setTimeout(() => reject(new Error(`no answer; got ${JSON.stringify(events)}`)), 10_000);
        ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', ...hello })));
        ws.on('message', (data) => {
          const ev = JSON.parse(String(data));
          if (ev.type === 'ready') {
            ready = ev;
            ws.send(JSON.stringify({ type: 'message', text }));
            return;
          }
          events.push(ev);
          if (ev.type === 'done' || ev.type === 'error') {
            clearTimeout(timer);
            resolve({ events, ready });
          }
        });
        ws.on('error', reject);
        ws.on('close', (code) => {
          clearTimeout(timer);
          if (!events.some((e) => e.type === 'done' || e.type === 'error'))
            reject(new Error(`closed ${code}: ${JSON.stringify(events)}`));
        });
      },
    );
  } finally {
    ws.close();
  }
}

/** A web chat socket kept open: frames are sent as given and read in order with `next`. */
export class WebChatSocket {
  private readonly frames: Array<Record<string, Json>> = [];
  private waiter?: () => void;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)));
      this.waiter?.();
    });
    ws.on('close', () => this.waiter?.());
  }

  /** Opens /ws and says hello; resolves with the socket and its `ready` frame. */
  static async open(baseUrl: string, hello: Record<string, unknown> = {}) {
    const ws = new WebSocket(baseUrl.replace('http', 'ws') + '/ws');
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const socket = new WebChatSocket(ws);
    socket.send({ type: 'hello', ...hello });
    const ready = await socket.next((f) => f.type === 'ready');
    return { socket, ready };
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** The next frame that matches (frames before it are dropped); rejects when the socket closes first. */
  async next(match: (frame: Record<string, Json>) => boolean, timeoutMs = 30_000): Promise<Record<string, Json>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(match);
      if (i >= 0) return this.frames.splice(0, i + 1).at(-1)!;
      if (this.ws.readyState !== WebSocket.OPEN)
        throw new Error(`socket closed; frames: ${JSON.stringify(this.frames)}`);
      if (Date.now() > deadline) throw new Error(`no such frame; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now() + 1);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Sends a message and resolves with its final `done` or `error` event. */
  async ask(text: string, extra: Record<string, unknown> = {}): Promise<Record<string, Json>> {
    this.send({ type: 'message', text, ...extra });
    return this.next((f) => f.type === 'done' || f.type === 'error');
  }

  close(): void {
    this.ws.close();
  }
}
