// One room's live session: the shared Yjs document, the stock y-websocket provider connected to
// /canvas/<room>/ws (it reconnects with back-off and resyncs only what is missing), presence
// (awareness) and the per-user undo manager.
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { elementsOf } from '../../src/canvas/model/elements.js';

export type Status = 'connecting' | 'synced' | 'offline' | 'needs-auth' | 'refused';

export interface Credentials {
  token?: string;
  share?: string;
}

/** Marks this tab's own edits: the undo manager undoes only those (undo is per user). */
export const LOCAL = { local: true };

const AUTH_MESSAGE = 2;

export interface Presence {
  name: string;
  color: string;
}

export class RoomSession {
  readonly doc = new Y.Doc();
  readonly elements = elementsOf(this.doc);
  readonly provider: WebsocketProvider;
  readonly undo: Y.UndoManager;
  status: Status = 'connecting';
  viewOnly = false;
  reason = '';
  private listeners = new Set<() => void>();

  constructor(
    readonly room: string,
    credentials: Credentials,
    presence: Presence,
  ) {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const params: Record<string, string> = {};
    if (credentials.token) params.token = credentials.token;
    if (credentials.share) params.share = credentials.share;
    this.provider = new WebsocketProvider(
      `${scheme}://${location.host}/canvas`,
      `${encodeURIComponent(room)}/ws`,
      this.doc,
      {
        params,
        // Tabs of one browser talk through the server like everyone else (one path to test and trust).
        disableBc: true,
        maxBackoffTime: 5000,
      },
    );
    // The server says "view only" with the standard y-protocols auth message.
    this.provider.messageHandlers[AUTH_MESSAGE] = (_encoder, decoder) => {
      decoding.readVarUint(decoder);
      this.reason = decoding.readVarString(decoder);
      this.viewOnly = true;
      this.emit();
    };
    this.provider.awareness.setLocalStateField('user', presence);
    this.provider.on('status', ({ status }) => {
      if (status === 'connecting' && this.status === 'synced') this.set('offline');
      else if (status === 'connecting' && this.status !== 'offline') this.set('connecting');
      else if (status === 'disconnected' && this.status === 'synced') this.set('offline');
    });
    this.provider.on('sync', (synced: boolean) => {
      if (synced) this.set('synced');
    });
    this.provider.on('connection-close', (event) => {
      if (!event) return;
      if (event.code === 4401) {
        this.reason = 'This room needs a token, a login or a share link.';
        this.set('needs-auth');
      } else if (event.code >= 4400 && event.code < 4500) {
        this.reason = event.reason || `refused (${event.code})`;
        this.set('refused');
      } else if (this.status === 'synced') this.set('offline');
    });
    // One undo step per gesture, however long the pen rests: the board closes each step itself
    // (stopCapturing at pen-down and pen-up), so no time window splits or merges gestures.
    this.undo = new Y.UndoManager(this.elements, {
      trackedOrigins: new Set([LOCAL]),
      captureTimeout: Number.MAX_SAFE_INTEGER,
    });
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs an edit as this user's (undoable) change. */
  edit(change: () => void): void {
    if (this.viewOnly) return;
    this.doc.transact(change, LOCAL);
  }

  setCursor(cursor: { x: number; y: number } | null): void {
    this.provider.awareness.setLocalStateField('cursor', cursor);
  }

  destroy(): void {
    this.undo.destroy();
    this.provider.destroy();
    this.doc.destroy();
  }

  private set(status: Status): void {
    this.status = status;
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
