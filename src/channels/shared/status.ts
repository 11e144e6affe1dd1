/**
 * A channel's connection state as `status()` reports it (and `/readyz` shows), logged on every
 * change. Shared by the chat channels so every one reports and logs its state the same way.
 */
import type { Logger } from 'pino';
import type { ChannelState, ChannelStatus } from '../../core/channel.js';

/** Holds one channel's current state; `set` records and logs a change. */
export class StatusReporter {
  private current: ChannelStatus = { state: 'stopped', since: Date.now() };

  constructor(
    private readonly log: Logger,
    private readonly channel: string,
  ) {}

  /** A copy of the current state, safe to hand out. */
  get(): ChannelStatus {
    return { ...this.current };
  }

  /** Records a state; repeating the same state and reason changes nothing (no log spam). */
  set(state: ChannelState, reason?: string): void {
    if (this.current.state === state && this.current.reason === reason) return;
    this.current = { state, ...(reason ? { reason } : {}), since: Date.now() };
    const level = state === 'failed' ? 'error' : state === 'backing-off' ? 'warn' : 'info';
    this.log[level]({ channel: this.channel, state, reason }, `channel ${this.channel} ${state}`);
  }

  /**
   * A connection attempt begins: `connecting`, unless a retry is under way; then `backing-off`
   * and its reason stay until an attempt works, so /readyz keeps saying why the channel is down.
   */
  connecting(): void {
    this.set(this.current.state === 'backing-off' ? 'backing-off' : 'connecting', this.current.reason);
  }

  /** An attempt failed and the next one comes after `delayMs`: `backing-off`, with why and when. */
  retrying(reason: string, delayMs: number): void {
    this.set('backing-off', `${reason}; retrying in ${Math.round(delayMs / 100) / 10}s`);
  }
}
