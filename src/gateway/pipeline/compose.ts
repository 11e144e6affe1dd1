/**
 * The inbound pipeline as middleware, after grammY's `Composer`: each step gets the message being
 * admitted and a `next` to pass it on; a step that does not call `next` drops the message there.
 * Steps are small functions, each with its own unit test (test/gateway/pipeline-steps.test.ts).
 */
import type { Logger } from 'pino';
import type { ActionReceipt } from '../../core/channel.js';
import type { Message } from '../../core/message.js';

/** How a channel admits senders. Trusted channels (web chat, the API, voice) authenticate callers themselves. */
export interface ChannelPolicy {
  trusted: boolean;
  /** Count each sender's messages against the per-sender rate limit (chat channels; the web chat and voice). */
  limitSenders: boolean;
  allowFrom?: readonly string[];
  requireMention: boolean;
  agent?: string;
}

/** One message on its way in. Steps may fill in the message (its agent, a transcript). */
export interface Inbound {
  message: Message;
  /** The policy of the message's channel; undefined for a channel that is not configured. */
  policy?: ChannelPolicy;
  log: Logger;
  /** Log fields of this message (request id, channel). */
  meta: { requestId: string; channel: string };
  /** Set by a step that answered a button press itself (an approval); the channel shows it to the presser. */
  receipt?: ActionReceipt;
}

export type Next = () => Promise<void>;

/** One step: handles the message and calls `next()` to pass it on, or returns to drop it. */
export type Step = (inbound: Inbound, next: Next) => Promise<void>;

/** Runs steps in order; a step that calls `next` twice is a bug and fails loudly. */
export function compose(steps: readonly Step[]): (inbound: Inbound) => Promise<void> {
  return (inbound) => {
    let last = -1;
    const run = async (i: number): Promise<void> => {
      if (i <= last) throw new Error('next() called twice by one pipeline step');
      last = i;
      const step = steps[i];
      if (step) await step(inbound, () => run(i + 1));
    };
    return run(0);
  };
}
