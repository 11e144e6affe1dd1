/**
 * The `Channel` seam: a chat platform adapter. It turns platform payloads into `Message`s,
 * hands them to `ChannelContext.receive`, and turns `ReplyEvent`s back into platform calls.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Message, ReplyEvent, ReplyTarget } from './message.js';
import type { BlobStore, SessionStore } from './stores.js';

export type ChannelState = 'stopped' | 'connecting' | 'ready' | 'backing-off' | 'failed';

export interface ChannelStatus {
  state: ChannelState;
  /** Why it is backing off or failed. */
  reason?: string;
  since: number;
}

/** What the gateway gives a channel when it starts. */
export interface ChannelContext {
  /** Hands an inbound message to the pipeline (access policy, routing, engine). */
  receive(message: Message): Promise<void>;
  blobs: BlobStore;
  sessions: SessionStore;
  log: Logger;
}

export interface Channel {
  /** Configured name: `webchat`, `telegram`, … */
  readonly name: string;
  /** Registers webhook routes (under `/webhooks/<name>`), if the channel has any. Called before listen. */
  routes?(app: FastifyInstance): void | Promise<void>;
  /** Connects (polling, sockets). Must not throw for a platform that is down: report it in `status()` and retry. */
  start(ctx: ChannelContext): Promise<void>;
  /** Delivers one event of a streamed reply to where the inbound message came from. */
  deliver(target: ReplyTarget, event: ReplyEvent): Promise<void>;
  status(): ChannelStatus;
  /** Disconnects and releases every socket and timer. */
  stop(): Promise<void>;
}
