/** A minimal web chat client for tests: the same /ws protocol web/app.js speaks. */
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
