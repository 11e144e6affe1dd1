/**
 * One web chat user of a chaos run: a WebSocket to some gateway, messages with client-chosen ids
 * (so a resend after a lost connection is de-duplicated by the bus and engine), reconnection to a
 * live gateway when its gateway dies, and the bookkeeping to judge the run: which messages got a
 * live answer and how often, and what the stored history says at the end.
 */
import WebSocket from 'ws';

export interface HistoryTurn {
  role: string;
  content: string;
}

export class ChatClient {
  /** Message ids (`webchat:<id>`) in send order. */
  readonly sent: string[] = [];
  private readonly textOf = new Map<string, string>();
  /** Live `done` frames per message id. */
  readonly liveDone = new Map<string, number>();
  /** Message ids in the order their first live answer arrived. */
  readonly liveOrder: string[] = [];
  /** Message ids whose answer was found in the history on (re)connect. */
  readonly fromHistory = new Set<string>();
  reconnects = 0;
  private ws?: WebSocket;
  /** The web chat identity the server issued on the first connect: reconnects are the same user. */
  private identity?: string;
  private ready = false;
  private closed = false;

  constructor(
    readonly conversationId: string,
    private readonly gateways: () => string[],
  ) {}

  async connect(): Promise<void> {
    while (!this.closed) {
      const urls = this.gateways();
      const url = urls[Math.floor(Math.random() * urls.length)];
      try {
        await this.open(url);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private open(base: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`);
      this.ws = ws;
      this.ready = false;
      let established = false;
      ws.on('open', () =>
        ws.send(JSON.stringify({ type: 'hello', conversationId: this.conversationId, identity: this.identity })),
      );
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data));
        if (frame.type === 'ready') {
          this.identity ??= frame.identity;
          this.absorbHistory(frame.history as HistoryTurn[]);
          this.ready = true;
          established = true;
          // Resend whatever has no answer yet, in order: ids make this safe.
          for (const id of this.sent) if (!this.isAnswered(id)) this.transmit(id);
          resolve();
        } else if (frame.type === 'done') {
          if (!this.liveDone.has(frame.inReplyTo)) this.liveOrder.push(frame.inReplyTo);
          this.liveDone.set(frame.inReplyTo, (this.liveDone.get(frame.inReplyTo) ?? 0) + 1);
        } else if (frame.type === 'error' && !frame.inReplyTo) {
          // Refused at the gateway (busy, shutting down): try again shortly.
          setTimeout(() => this.resendUnanswered(), 500);
        }
      });
      ws.on('error', () => undefined);
      ws.on('close', () => {
        if (this.ws !== ws) return;
        this.ready = false;
        if (!this.closed && established) {
          this.reconnects++;
          setTimeout(() => void this.connect(), 100);
        }
        reject(new Error('closed'));
      });
    });
  }

  /** Sends message number `n` of this conversation. */
  send(n: number): void {
    const id = `${this.conversationId}x${n}`;
    const full = `webchat:${id}`;
    this.sent.push(full);
    this.textOf.set(full, `chaos ${this.conversationId} ${n}`);
    if (this.ready) this.transmit(full);
  }

  private transmit(full: string): void {
    if (!this.ready || this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify({ type: 'message', id: full.slice('webchat:'.length), text: this.textOf.get(full) }));
  }

  private resendUnanswered(): void {
    for (const id of this.sent) if (!this.isAnswered(id)) this.transmit(id);
  }

  isAnswered(id: string): boolean {
    return (this.liveDone.get(id) ?? 0) > 0 || this.fromHistory.has(id);
  }

  private absorbHistory(history: HistoryTurn[]): void {
    for (const id of this.sent) {
      const expected = `You said: ${this.textOf.get(id)}`;
      if (history.some((h) => h.role === 'assistant' && h.content === expected)) this.fromHistory.add(id);
    }
  }

  /**
   * Whether this conversation was answered in order: live answers arrived in send order, and the
   * stored turns, in insertion order (`ids`, oldest first), are question, answer, question, answer…
   */
  inOrder(storedIds: string[]): boolean {
    const rank = new Map(this.sent.map((id, i) => [id, i]));
    const live = this.liveOrder.map((id) => rank.get(id) ?? -1);
    if (live.some((r, i) => i > 0 && r < live[i - 1])) return false;
    const expected = this.sent.flatMap((id) => [id, `${id}#reply`]);
    // An unanswered tail is counted as lost, not as reordered.
    return storedIds.every((id, i) => id === expected[i]);
  }

  /** A fresh connection's view of the stored conversation (the final check). */
  async fetchHistory(base: string): Promise<HistoryTurn[]> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`);
      ws.on('open', () =>
        ws.send(JSON.stringify({ type: 'hello', conversationId: this.conversationId, identity: this.identity })),
      );
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data));
        if (frame.type === 'ready') {
          ws.close();
          this.absorbHistory(frame.history);
          resolve(frame.history);
        }
      });
      ws.on('error', reject);
    });
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }
}
