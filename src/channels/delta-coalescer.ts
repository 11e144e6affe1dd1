/**
 * Merges the text deltas of one reply that arrive within the same event-loop turn into one, so a
 * fast model costs one socket write per turn of the loop instead of one per token. Other events
 * flush the pending delta first, keeping the order.
 */
import type { ReplyEvent, ReplyTarget } from '../core/message.js';

type Delta = Extract<ReplyEvent, { type: 'delta' }>;

export class DeltaCoalescer {
  private readonly pending = new Map<string, { target: ReplyTarget; event: Delta }>();

  constructor(private readonly emit: (target: ReplyTarget, event: ReplyEvent) => void) {}

  push(target: ReplyTarget, event: ReplyEvent): void {
    if (event.type === 'delta') {
      const p = this.pending.get(event.replyId);
      if (p) {
        p.event.text += event.text;
        return;
      }
      this.pending.set(event.replyId, { target, event: { ...event } });
      setImmediate(() => this.flush(event.replyId));
      return;
    }
    this.flush(event.replyId);
    this.emit(target, event);
  }

  private flush(replyId: string): void {
    const p = this.pending.get(replyId);
    if (!p) return;
    this.pending.delete(replyId);
    this.emit(p.target, p.event);
  }
}
