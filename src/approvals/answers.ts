/**
 * What happens once an approval is answered, wherever the answer came from (the chat, a button,
 * the admin API): an approved call continues its turn in the engine (a resume message on the bus,
 * so any engine replica can run it); a denied or expired one is told to the chat and never runs.
 */
import type { Bus } from '../core/bus.js';
import type { ActionReceipt } from '../core/channel.js';
import { doneEvent, type Message, type Sender } from '../core/message.js';
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

/**
 * What the person who pressed an Approve/Deny button is shown: the outcome (and the line that
 * replaces the buttons), or why the press was refused (the buttons stay for the one who was asked).
 */
export function receiptFor(
  outcome: Pick<DecisionOutcome, 'kind'> | { kind: 'refused' },
  presser: Pick<Sender, 'id' | 'name' | 'username'>,
): ActionReceipt {
  const who = presser.name ?? (presser.username ? `@${presser.username}` : presser.id);
  switch (outcome.kind) {
    case 'approved':
      return { notice: 'Approved: running it now.', settled: `✅ Approved by ${who}` };
    case 'denied':
      return { notice: 'Denied: it will not run.', settled: `❌ Denied by ${who}` };
    case 'expired':
      return { notice: 'This request expired, so it was not run.', settled: '⌛ Expired: not run' };
    case 'refused':
      return { notice: 'Only the person who asked can answer this request.' };
    case 'unknown':
      return { notice: 'This request is no longer waiting for an answer.', settled: 'Already answered' };
  }
}
