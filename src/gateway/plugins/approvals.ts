/**
 * Approvals of sensitive tool calls, as a gateway feature: the pipeline step that takes a chat's
 * answer (`yes` / `no`, `/approve` / `/deny`, an Approve/Deny button) out of the conversation, and
 * the operator's admin API:
 *
 * - `GET /admin/approvals` — the requests waiting for an answer;
 * - `POST /admin/approvals/<id>/approve` and `POST /admin/approvals/<id>/deny` — answers one
 *   (operator role); 404 when nothing with that id is waiting.
 *
 * The rules (binding to the call, expiry, one answer counts, audit) are in src/approvals/.
 */
import { answerApproval, receiptFor } from '../../approvals/answers.js';
import { describeArguments, parseAnswer, type Approvals, type PendingApproval } from '../../approvals/approvals.js';
import type { Bus } from '../../core/bus.js';
import { ErrorCode, HearthError } from '../../core/errors.js';
import { conversationKey } from '../../core/message.js';
import type { Step } from '../pipeline/compose.js';
import type { GatewayDeps, GatewayPlugin } from '../plugin.js';
import { openObject, responses } from '../route-schema.js';

/**
 * Takes an approval answer out of the conversation. Only the user the question was put to can
 * answer it, and only after it was asked: a "yes" sent before the question (its platform
 * timestamp is older, to the second) goes on as an ordinary message. A press of an Approve/Deny
 * button never becomes a turn: it answers its own request (named in the button), or is refused
 * (someone else pressed, the request is no longer waiting), and the receipt tells the channel what
 * to show the presser.
 */
export function approvalAnswerStep(approvals: Approvals, bus: Pick<Bus, 'publishInbound' | 'publishOutbound'>): Step {
  return async (inbound, next) => {
    const { message, log, meta } = inbound;
    const answer = parseAnswer(message);
    if (!answer) return next();
    const actor = `user:${message.sender.id}`;
    if (answer.id) {
      const pressed = await approvals.get(answer.id);
      if (!pressed || pressed.conversationId !== conversationKey(message)) {
        log.info({ ...meta, approvalId: answer.id }, 'approval button pressed for a request that is not waiting');
        inbound.receipt = receiptFor({ kind: 'unknown' }, message.sender);
        return;
      }
      if (pressed.userId !== message.sender.id) {
        await approvals.refuse(pressed, actor, 'not the user who was asked');
        log.info(
          { ...meta, approvalId: pressed.id, tool: pressed.tool },
          'approval button pressed by someone else: refused',
        );
        inbound.receipt = receiptFor({ kind: 'refused' }, message.sender);
        return;
      }
      const outcome = await answerApproval(approvals, bus, pressed.id, answer.decision, actor);
      log.info(
        { ...meta, approvalId: pressed.id, tool: pressed.tool, outcome: outcome.kind },
        'approval answered by a button',
      );
      inbound.receipt = receiptFor(outcome, message.sender);
      return;
    }
    const pending = await approvals.pendingFor(conversationKey(message));
    if (!pending || pending.userId !== message.sender.id) return next();
    // Platforms stamp to the second (Telegram, WhatsApp): compare at that resolution.
    if (message.timestamp < Math.floor(pending.requestedAt / 1000) * 1000) {
      log.info({ ...meta, approvalId: pending.id }, 'answer older than the approval question: not taken as an answer');
      return next();
    }
    const outcome = await answerApproval(approvals, bus, pending.id, answer.decision, actor);
    log.info(
      { ...meta, approvalId: pending.id, tool: pending.tool, outcome: outcome.kind },
      'approval answered in chat',
    );
  };
}

const str = { type: 'string' };
const pendingSchema = openObject(
  {
    id: str,
    conversationId: str,
    userId: { type: 'string', description: 'The user the question was put to' },
    agent: str,
    channel: str,
    tool: str,
    arguments: { type: 'string', description: 'The arguments as the model wrote them (JSON text)' },
    argumentsText: { type: 'string', description: 'The arguments in words: `room: "kitchen"`' },
    hash: { type: 'string', description: 'sha256 of the tool and its canonical arguments' },
    requestedAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time', description: 'Unanswered by then = denied' },
  },
  ['id', 'conversationId', 'userId', 'agent', 'channel', 'tool', 'arguments', 'argumentsText', 'expiresAt'],
);

/** A waiting request as the API shows it (the parked prompt stays inside). */
function view(a: PendingApproval) {
  return {
    id: a.id,
    conversationId: a.conversationId,
    userId: a.userId,
    agent: a.agent,
    channel: a.target.channel,
    tool: a.tool,
    arguments: a.arguments,
    argumentsText: describeArguments(a.arguments),
    hash: a.hash,
    requestedAt: new Date(a.requestedAt).toISOString(),
    expiresAt: new Date(a.expiresAt).toISOString(),
  };
}

export const approvalsPlugin: GatewayPlugin<Pick<GatewayDeps, 'approvals' | 'bus' | 'pipeline' | 'log'>> = async (
  app,
  deps,
) => {
  const { approvals, bus } = deps;
  deps.pipeline?.use(approvalAnswerStep(approvals, bus));

  app.get(
    '/admin/approvals',
    {
      schema: {
        summary: 'Sensitive tool calls waiting for an answer',
        response: responses({ 200: openObject({ approvals: { type: 'array', items: pendingSchema } }, ['approvals']) }),
      },
    },
    async () => ({ approvals: (await approvals.list()).map(view) }),
  );

  app.post<{ Params: { id: string; decision: 'approve' | 'deny' } }>(
    '/admin/approvals/:id/:decision',
    {
      config: { role: 'operator' },
      schema: {
        params: {
          type: 'object',
          required: ['id', 'decision'],
          properties: {
            id: { type: 'string', maxLength: 64 },
            decision: { type: 'string', enum: ['approve', 'deny'] },
          },
        },
        response: responses({
          200: openObject({ id: { type: 'string' }, outcome: { type: 'string' } }, ['id', 'outcome']),
        }),
      },
    },
    async (req) => {
      const { id, decision } = req.params;
      const actor = req.principal?.id ?? 'anonymous';
      const outcome = await answerApproval(approvals, bus, id, decision, actor);
      if (outcome.kind === 'unknown')
        throw new HearthError(ErrorCode.notFound, `no approval request ${id} is waiting`, 404);
      deps.log.info(
        { approvalId: id, tool: outcome.approval.tool, outcome: outcome.kind, actor },
        'approval answered by an operator',
      );
      return { id, outcome: outcome.kind };
    },
  );
};
