/**
 * The steps of the inbound pipeline, in the order the gateway composes them (see pipeline.ts):
 * shutdown gate → known channel → bot filter → mention rule → sender rate limit → access →
 * routing → enrichment (voice notes) → … → the bus. Each is a plain function of its dependencies.
 */
import type { Bus } from '../../core/bus.js';
import type { HearthConfig } from '../../core/config.js';
import { ErrorCode, HearthError } from '../../core/errors.js';
import { conversationKey, doneEvent, replyTargetOf, type Message } from '../../core/message.js';
import { pairingMessage, type AccessControl } from './access.js';
import type { Step } from './compose.js';
import { routeAgent } from './routing.js';

/** Refuses every message once shutdown began: the channel tells its sender (503), nothing is half-accepted. */
export function shutdownGate(accepting: () => boolean): Step {
  return async (_inbound, next) => {
    if (!accepting()) throw new HearthError(ErrorCode.shuttingDown, 'Hearth is shutting down', 503);
    await next();
  };
}

/** Drops messages of a channel that has no policy (not configured here). */
export const knownChannel: Step = async ({ policy, log, meta }, next) => {
  if (!policy) {
    log.warn({ ...meta, errorCode: ErrorCode.channel }, 'message from an unconfigured channel dropped');
    return;
  }
  await next();
};

/** Bots do not talk to the assistant (no loops between two assistants in a group). */
export const botFilter: Step = async ({ message }, next) => {
  if (message.sender.isBot) return;
  await next();
};

/** In a group, the assistant answers only when mentioned or replied to, unless the channel says otherwise. */
export const mentionRule: Step = async ({ message, policy, log, meta }, next) => {
  if (message.isGroup && policy?.requireMention !== false && !message.mentioned) {
    log.debug(meta, 'group message without mention ignored');
    return;
  }
  await next();
};

export type SenderLimit = (channel: string, senderId: string) => Promise<{ allowed: boolean; retryAfterSec: number }>;

/**
 * Counts the sender's message against the per-sender rate limit. Beyond it the message is dropped:
 * our own clients (web chat, voice) get a 429 to show; a chat-platform sender is not answered.
 */
export function senderLimit(limit: SenderLimit): Step {
  return async ({ message, policy, log, meta }, next) => {
    if (policy?.limitSenders) {
      const decision = await limit(message.channel, message.sender.id);
      if (!decision.allowed) {
        log.warn(
          {
            ...meta,
            senderId: message.sender.id,
            errorCode: ErrorCode.rateLimited,
            retryAfterSec: decision.retryAfterSec,
          },
          'sender rate-limited; message dropped',
        );
        if (policy.trusted)
          throw new HearthError(
            ErrorCode.rateLimited,
            `Too many messages; try again in ${decision.retryAfterSec} s.`,
            429,
          );
        return;
      }
    }
    await next();
  };
}

/** The reply that hands an unknown sender their pairing code. */
export function pairingReply(message: Message, code: string) {
  return {
    target: replyTargetOf(message),
    event: doneEvent({
      replyId: `${message.id}#pairing`,
      inReplyTo: message.id,
      conversationId: conversationKey(message),
      text: pairingMessage(code),
    }),
  };
}

/** Who may talk on a chat channel: `allowFrom`, else pairing (an unknown sender is sent a code an admin approves). */
export function accessStep(access: AccessControl, bus: Pick<Bus, 'publishOutbound'>): Step {
  return async ({ message, policy, log, meta }, next) => {
    if (policy && !policy.trusted) {
      const decision = await access.decide(message, policy.allowFrom);
      if (decision.kind === 'deny') {
        log.info({ ...meta, senderId: message.sender.id, reason: decision.reason }, 'sender ignored');
        return;
      }
      if (decision.kind === 'pair') {
        log.info({ ...meta, senderId: message.sender.id, pairingCode: decision.code }, 'pairing code issued');
        await bus.publishOutbound(pairingReply(message, decision.code));
        return;
      }
    }
    await next();
  };
}

/** Picks the agent: the message's own, else the first matching route, else the channel's, else `default`. */
export function routing(routes: () => HearthConfig['routes']): Step {
  return async ({ message, policy }, next) => {
    message.agent ??= routeAgent(routes(), message, policy?.agent);
    await next();
  };
}

/** Hands the admitted message to the engine. The last step. */
export function publishInbound(bus: Pick<Bus, 'publishInbound'>): Step {
  return async ({ message }) => {
    await bus.publishInbound(message);
  };
}
