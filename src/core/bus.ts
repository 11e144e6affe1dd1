/**
 * The `Bus` between gateway and engine. In the all-in-one shape it is in memory; scaled out it is
 * a durable queue with the same contract: each inbound message is handled by one consumer, messages
 * of one conversation are handled one at a time and in order, and outbound events fan out to
 * whichever gateway holds the channel.
 */
import type { Message, Outbound } from './message.js';
import { conversationKey } from './message.js';

export type InboundHandler = (message: Message) => Promise<void>;

/**
 * Settings every replica must follow, broadcast by whichever process changed them (the admin API
 * runs on gateways; models are called by engines). The latest message of each type is kept, so a
 * replica that starts later still learns it.
 */
export type ControlMessage =
  | { type: 'models.default'; model: string }
  /** Models added or removed through the admin API: replicas reload them from the shared store. */
  | { type: 'models.changed' }
  /** An agent's model or skills changed through the admin API: replicas reload the choices from the shared store. */
  | { type: 'agents.model' }
  | { type: 'agents.skills' }
  /**
   * Stop generating (the web chat's Stop button): the replica answering inbound `messageId` aborts its
   * model call and ends the turn with what was streamed so far (`done`, finishReason `cancelled`).
   */
  | { type: 'turn.cancel'; messageId: string };

export type ControlHandler = (message: ControlMessage) => void | Promise<void>;
export type OutboundHandler = (out: Outbound) => void | Promise<void>;
export type TopicHandler = (data: Uint8Array) => void;

export interface Bus {
  publishInbound(message: Message): Promise<void>;
  /** Registers the engine. Only one consumer per process. */
  consumeInbound(handler: InboundHandler): void;
  publishOutbound(out: Outbound): Promise<void>;
  /** Receives outbound events for one channel; returns an unsubscribe function. */
  subscribeOutbound(channel: string, handler: OutboundHandler): () => void;
  /** Inbound messages accepted but not yet finished. */
  pending(): number;
  /** Inbound messages queued and not yet answered, over all replicas (durable buses; a metric). */
  queueDepth?(): Promise<number>;
  /** Broadcasts a control message to every replica, this one included. */
  publishControl(message: ControlMessage): Promise<void>;
  /** Receives control messages; the latest of each type is replayed at once to a new subscriber. */
  subscribeControl(handler: ControlHandler): () => void;
  /**
   * Broadcasts bytes to the subscribers of `topic` in every replica, this one included: at most
   * once, nothing kept for late subscribers. For state that heals itself from its own store (canvas
   * rooms re-read their log), never for messages that must arrive.
   */
  publishTopic(topic: string, data: Uint8Array): Promise<void>;
  /** Resolves, with the unsubscribe function, once messages published from then on will arrive. */
  subscribeTopic(topic: string, handler: TopicHandler): Promise<() => void>;
  /** Resolves when nothing is pending (graceful drain). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * In-process bus. Per-conversation order comes from one promise chain per conversation key;
 * different conversations run concurrently.
 */
export class MemoryBus implements Bus {
  private consumer?: InboundHandler;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly subscribers = new Map<string, Set<OutboundHandler>>();
  private readonly controlHandlers = new Set<ControlHandler>();
  private readonly topics = new Map<string, Set<TopicHandler>>();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly onHandlerError: (err: unknown, message: Message) => void) {}

  async publishInbound(message: Message): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) throw new Error('no inbound consumer registered');
    const key = conversationKey(message);
    this.inFlight++;
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => consumer(message))
      .catch((err) => this.onHandlerError(err, message))
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
        if (--this.inFlight === 0) this.wakeIdle();
      });
    this.chains.set(key, next);
  }

  consumeInbound(handler: InboundHandler): void {
    this.consumer = handler;
  }

  async publishOutbound(out: Outbound): Promise<void> {
    const handlers = this.subscribers.get(out.target.channel);
    if (!handlers) return;
    for (const h of handlers) await h(out);
  }

  subscribeOutbound(channel: string, handler: OutboundHandler): () => void {
    let set = this.subscribers.get(channel);
    if (!set) this.subscribers.set(channel, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  async publishControl(message: ControlMessage): Promise<void> {
    for (const h of this.controlHandlers) await h(message);
  }

  subscribeControl(handler: ControlHandler): () => void {
    this.controlHandlers.add(handler);
    return () => this.controlHandlers.delete(handler);
  }

  async publishTopic(topic: string, data: Uint8Array): Promise<void> {
    for (const h of this.topics.get(topic) ?? []) {
      try {
        h(data);
      } catch {
        // One subscriber's failure is its own; the others still receive the message.
      }
    }
  }

  async subscribeTopic(topic: string, handler: TopicHandler): Promise<() => void> {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.topics.get(topic) === set) this.topics.delete(topic);
    };
  }

  pending(): number {
    return this.inFlight;
  }

  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.subscribers.clear();
    this.topics.clear();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
