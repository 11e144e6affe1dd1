/**
 * A Node client of a canvas room through the stock y-websocket provider (the same client code the
 * page runs), over `ws`. Tests and the benchmark use it.
 */
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { elementsOf, storedElement, readElements, type CanvasElement } from '../../src/canvas/model/elements.js';

export interface RoomClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Close events the provider saw (code, reason). */
  closes: Array<{ code: number; reason: string }>;
  /** Reasons of the server's permission-denied messages (view-only access). */
  denials: string[];
  synced(timeoutMs?: number): Promise<void>;
  draw(el: CanvasElement): void;
  ids(): string[];
  destroy(): void;
}

export function roomClient(
  baseUrl: string,
  room: string,
  params: Record<string, string> = {},
  options: { connect?: boolean } = {},
): RoomClient {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(baseUrl.replace(/^http/, 'ws') + '/canvas', `${room}/ws`, doc, {
    params,
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 300,
    connect: options.connect ?? true,
  });
  const closes: Array<{ code: number; reason: string }> = [];
  const denials: string[] = [];
  // Recorded instead of y-websocket's console warning, which would print the URL (and its credential).
  provider.messageHandlers[2] = (_encoder, decoder) => {
    decoding.readVarUint(decoder);
    denials.push(decoding.readVarString(decoder));
  };
  provider.on('connection-close', (event) => {
    if (event) closes.push({ code: event.code, reason: event.reason });
  });
  return {
    doc,
    provider,
    closes,
    denials,
    synced(timeoutMs = 5000) {
      if (provider.synced) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`room ${room} did not sync; closes: ${JSON.stringify(closes)}`)),
          timeoutMs,
        );
        const on = (s: boolean) => {
          if (!s) return;
          clearTimeout(t);
          provider.off('sync', on);
          resolve();
        };
        provider.on('sync', on);
      });
    },
    draw(el) {
      doc.transact(() => elementsOf(doc).push([storedElement(el)]));
    },
    ids: () =>
      readElements(doc)
        .map((e) => e.id)
        .sort(),
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Polls until `pred` holds. */
export async function until(
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
