/**
 * The inbound pipeline every channel feeds: shutdown gate → bot filter → group mention rule →
 * access (allowFrom / pairing) → routing → bus. Small steps, each a plain function of the message.
 */
import type { Logger } from 'pino';
import type { Bus } from '../core/bus.js';
import type { HearthConfig } from '../core/config.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import { conversationKey, replyTargetOf, type Message } from '../core/message.js';
import { pairingMessage, type AccessControl } from './access.js';
import { routeAgent } from './routing.js';

/** How a channel admits senders. Trusted channels (web chat, the API) authenticate callers themselves. */
export interface ChannelPolicy {
  trusted: boolean;
  /** Count each sender's messages against the per-sender rate limit (chat channels; the web chat and voice). */
  limitSenders: boolean;
  allowFrom?: readonly string[];
  requireMention: boolean;
  agent?: string;
}

export interface PipelineDeps {
  bus: Bus;
  access: AccessControl;
  log: Logger;
  routes: () => HearthConfig['routes'];
  policy: (channel: string) => ChannelPolicy | undefined;
  accepting: () => boolean;
  /** Last step before the bus: e.g. voice notes transcribed into text. Must not throw. */
  enrich?: (message: Message) => Promise<void>;
  /** Per-sender rate limit of chat channels; `allowed: false` drops the message. */
  senderLimit?: (channel: string, senderId: string) => Promise<{ allowed: boolean; retryAfterSec: number }>;
}

export class InboundPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  /** Takes one message from a channel. Throws only when the gateway is shutting down. */
  async receive(message: Message): Promise<void> {
    const { log, bus } = this.deps;
    if (!this.deps.accepting()) throw new HearthError(ErrorCode.shuttingDown, 'Hearth is shutting down', 503);
    const policy = this.deps.policy(message.channel);
    const meta = { requestId: message.id, channel: message.channel };
    if (!policy) {
      log.warn({ ...meta, errorCode: ErrorCode.channel }, 'message from an unconfigured channel dropped');
      return;
    }
    if (message.sender.isBot) return;
    if (message.isGroup && policy.requireMention && !message.mentioned) {
      log.debug(meta, 'group message without mention ignored');
      return;
    }
    if (policy.limitSenders) {
      const limit = await this.deps.senderLimit?.(message.channel, message.sender.id);
      if (limit && !limit.allowed) {
        log.warn({ ...meta, senderId: message.sender.id, errorCode: ErrorCode.rateLimited, retryAfterSec: limit.retryAfterSec }, 'sender rate-limited; message dropped');
        // Our own clients get told (the web chat shows it); a chat-platform sender is not answered.
        if (policy.trusted) throw new HearthError(ErrorCode.rateLimited, `Too many messages; try again in ${limit.retryAfterSec} s.`, 429);
        return;
      }
    }
    if (!policy.trusted) {
      const decision = await this.deps.access.decide(message, policy.allowFrom);
      if (decision.kind === 'deny') {
        log.info({ ...meta, senderId: message.sender.id, reason: decision.reason }, 'sender ignored');
        return;
      }
      if (decision.kind === 'pair') {
        log.info({ ...meta, senderId: message.sender.id, pairingCode: decision.code }, 'pairing code issued');
        const text = pairingMessage(decision.code);
        await bus.publishOutbound({
          target: replyTargetOf(message),
          event: {
            type: 'done',
            replyId: `${message.id}#pairing`,
            inReplyTo: message.id,
            conversationId: conversationKey(message),
            text,
            attachments: [],
            model: 'hearth',
            usage: { promptTokens: 0, completionTokens: 0 },
            finishReason: 'stop',
          },
        });
        return;
      }
    }
    message.agent ??= routeAgent(this.deps.routes(), message, policy.agent);
    await this.deps.enrich?.(message);
    await bus.publishInbound(message);
  }
}
