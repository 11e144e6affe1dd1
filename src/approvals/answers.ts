/**
 * What happens once an approval is answered, wherever the answer came from (the chat, a button,
 * the admin API): an approved call continues its turn in the engine (a resume message on the bus,
 * so any engine replica can run it); a denied or expired one is told to the chat and never runs.
 */
import type { Bus } from '../core/bus.js';
import { doneEvent, type Message } from '../core/message.js';
import {
  RESUME_ACTION,
  resumeMessageId,
  type Approvals,
  type DecisionOutcome,
  type PendingApproval,
  type ApprovalDecision,
} from './approvals.js';

/** The inbound message that makes the engine continue an approved turn. */
export function resumeMessage(a: PendingApproval, now = Date.now()): Message {
  return {
    id: resumeMessageId(a),
    kind: 'action',
    channel: a.target.channel,
    chatId: a.target.chatId,
    threadId: a.target.threadId,
    sender: { id: a.userId },
    text: '',
    attachments: [],
    isGroup: false,
    mentioned: true,
    value: `${RESUME_ACTION}${a.id}`,
    timestamp: now,
    agent: a.agent,
  };
}

/** Records an answer and acts on it. Returns the outcome (`unknown`: nothing was waiting). */
export async function answerApproval(
  approvals: Approvals,
  bus: Pick<Bus, 'publishInbound' | 'publishOutbound'>,
  id: string,
  decision: ApprovalDecision,
  actor: string,
): Promise<DecisionOutcome> {
  const outcome = await approvals.decide(id, decision, actor);
  if (outcome.kind === 'unknown') return outcome;
  const a = outcome.approval;
  if (outcome.kind === 'approved') {
    await bus.publishInbound(resumeMessage(a));
    return outcome;
  }
  const text =
    outcome.kind === 'denied'
      ? `OK, I did not run ${a.tool}.`
      : `That request to run ${a.tool} expired, so it was not run. Ask again if you still want it.`;
  const replyId = `${resumeMessageId(a)}#${outcome.kind}`;
  await bus.publishOutbound({
    target: a.target,
    event: doneEvent({ replyId, inReplyTo: replyId, conversationId: a.conversationId, text }),
  });
  return outcome;
}
