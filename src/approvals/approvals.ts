/**
 * Approval of sensitive tool calls. A tool is sensitive when its skill says so (manifest `sensitive`,
 * MCP `destructiveHint`); the engine asks this service before running one (`check`). Without a
 * standing grant the call is parked (`request`): the turn ends with a question, and nothing of the
 * call runs until the user answers yes in the same chat or an operator approves it in the admin API
 * (`decide`). The approval is bound to the exact call (hash of tool + arguments), expires (expiry =
 * deny), and every request and decision goes to the audit log.
 *
 * State lives in the `SessionStore` (Redis when several replicas share it), so the replica that asks
 * and the one that hears the answer need not be the same.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ReplyTarget } from '../core/message.js';
import type { ChatMessage, ToolCall, ToolSpec } from '../core/model-provider.js';
import type { SessionStore } from '../core/stores.js';

export type ApprovalPolicy = 'always' | 'once-per-conversation' | 'never';
export type ApprovalDecision = 'approve' | 'deny';

/** What the audit log needs of an entry (the security module's `AuditLog.record`). */
export interface ApprovalAuditEntry {
  actor: string;
  action: string;
  target?: string;
  result: 'ok' | 'denied' | 'error';
  detail?: Record<string, unknown>;
}

/** The turn to continue once the call is approved: the prompt so far and the calls still to run. */
export interface ApprovalContinuation {
  messages: ChatMessage[];
  tools: ToolSpec[];
  /** The model that asked for the call; the rest of the turn stays on it. */
  model: string;
  /** The approved call first, then the calls the model asked for after it in the same step. */
  calls: ToolCall[];
}

/** One parked call. */
export interface PendingApproval {
  id: string;
  conversationId: string;
  userId: string;
  agent: string;
  target: ReplyTarget;
  tool: string;
  /** The call's arguments as the model wrote them (JSON text). */
  arguments: string;
  /** sha256 of tool + canonical arguments: the approval is for this call and no other. */
  hash: string;
  requestedAt: number;
  expiresAt: number;
  continuation: ApprovalContinuation;
}

/** What became of an answer. */
export type DecisionOutcome =
  | { kind: 'approved'; approval: PendingApproval }
  | { kind: 'denied'; approval: PendingApproval }
  | { kind: 'expired'; approval: PendingApproval }
  /** Unknown id, or decided already (by another replica, the console or an earlier answer). */
  | { kind: 'unknown' };

export interface ApprovalsDeps {
  sessions: SessionStore;
  audit: (entry: ApprovalAuditEntry) => Promise<unknown>;
  /** Minutes until an unanswered request is denied. */
  expiresMinutes: () => number;
  /** Whether the channel shows `[[button:…]]` markup as buttons (its declared capabilities). */
  buttons: (channel: string) => boolean;
  now?: () => number;
}

/** The prefix of the `action` value of a message that continues an approved turn (see `resumeMessageId`). */
export const RESUME_ACTION = 'hearth-approval-resume:';

/** JSON with sorted keys, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same call. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The hash an approval is bound to: the tool name and its arguments (canonical JSON when they parse). */
export function callHash(tool: string, args: string): string {
  let body = args.trim();
  try {
    body = canonical(body ? JSON.parse(body) : {});
  } catch {
    // Unparsable arguments are hashed as written; the tool will refuse them anyway.
  }
  return createHash('sha256').update(tool).update('\0').update(body).digest('hex');
}

/** The call's arguments in words: `topic: "home/lamp", payload: "on"`. */
export function describeArguments(args: string): string {
  try {
    const parsed: unknown = args.trim() ? JSON.parse(args) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const parts = Object.entries(parsed as Record<string, unknown>).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
      return parts.length ? parts.join(', ') : 'no arguments';
    }
  } catch {
    // Shown as written below.
  }
  return args;
}

/**
 * Reads an answer out of a chat message: `yes` / `no`, `/approve` / `/deny` (also `/approve@bot`),
 * or a click on an approval button (`approval:<id>:approve`). Anything else is not an answer.
 */
export function parseAnswer(m: {
  kind: string;
  text: string;
  value?: string;
}): { decision: ApprovalDecision; id?: string } | undefined {
  if (m.kind === 'action' && m.value) {
    const button = /^approval:([A-Za-z0-9-]+):(approve|deny)$/.exec(m.value);
    if (button) return { id: button[1], decision: button[2] as ApprovalDecision };
  }
  const word = m.text
    .trim()
    .toLowerCase()
    .replace(/[.!]+$/, '');
  if (word === 'yes' || /^\/approve(@\w+)?$/.test(word)) return { decision: 'approve' };
  if (word === 'no' || /^\/deny(@\w+)?$/.test(word)) return { decision: 'deny' };
  return undefined;
}

const keys = {
  record: (id: string) => `approvals:id:${id}`,
  conversation: (conversationId: string) => `approvals:conversation:${conversationId}`,
  decided: (id: string) => `approvals:decided:${id}`,
  resumed: (id: string) => `approvals:resumed:${id}`,
  grant: (conversationId: string, tool: string) => `approvals:grant:${conversationId}:${tool}`,
  index: 'approvals:pending',
};

/** How long decision marks and once-per-conversation grants are kept. */
const GRANT_TTL_MS = 30 * 86_400_000;

export class Approvals {
  constructor(private readonly deps: ApprovalsDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** Whether a sensitive call may run now under the agent's policy (`never`, or a grant for this conversation). */
  async mayRun(policy: ApprovalPolicy, conversationId: string, tool: string): Promise<boolean> {
    if (policy === 'never') return true;
    if (policy === 'once-per-conversation')
      return (await this.deps.sessions.get(keys.grant(conversationId, tool))) === true;
    return false;
  }

  /** Parks a call and records the request; returns the question to put to the user. */
  async request(
    p: Omit<PendingApproval, 'id' | 'hash' | 'requestedAt' | 'expiresAt'>,
  ): Promise<{ approval: PendingApproval; question: string }> {
    const requestedAt = this.now();
    const ttlMs = this.deps.expiresMinutes() * 60_000;
    const approval: PendingApproval = {
      ...p,
      continuation: structuredClone(p.continuation),
      id: randomUUID(),
      hash: callHash(p.tool, p.arguments),
      requestedAt,
      expiresAt: requestedAt + ttlMs,
    };
    // Kept past expiry so a late answer is told it expired (instead of being read as a new message).
    await this.deps.sessions.set(keys.record(approval.id), approval, ttlMs + GRANT_TTL_MS);
    await this.deps.sessions.set(keys.conversation(approval.conversationId), approval.id, ttlMs + GRANT_TTL_MS);
    const index = (await this.deps.sessions.get<string[]>(keys.index)) ?? [];
    await this.deps.sessions.set(keys.index, [...index, approval.id]);
    await this.deps.audit({
      actor: `user:${approval.userId}`,
      action: 'approval.request',
      target: approval.tool,
      result: 'ok',
      detail: {
        id: approval.id,
        conversationId: approval.conversationId,
        agent: approval.agent,
        hash: approval.hash,
        arguments: approval.arguments,
      },
    });
    return { approval, question: this.question(approval) };
  }

  /** The open request of a conversation, if any (expired ones included: their answer is "expired"). */
  async pendingFor(conversationId: string): Promise<PendingApproval | undefined> {
    const id = await this.deps.sessions.get<string>(keys.conversation(conversationId));
    return id ? this.get(id) : undefined;
  }

  async get(id: string): Promise<PendingApproval | undefined> {
    if (await this.deps.sessions.get(keys.decided(id))) return undefined;
    return this.deps.sessions.get<PendingApproval>(keys.record(id));
  }

  /** Requests still waiting for an answer, oldest first (expired ones are dropped from the list). */
  async list(): Promise<PendingApproval[]> {
    const ids = (await this.deps.sessions.get<string[]>(keys.index)) ?? [];
    const open: PendingApproval[] = [];
    for (const id of ids) {
      const a = await this.get(id);
      if (a && a.expiresAt > this.now()) open.push(a);
    }
    if (open.length !== ids.length)
      await this.deps.sessions.set(
        keys.index,
        open.map((a) => a.id),
      );
    return open;
  }

  /**
   * Records an answer. Exactly one answer counts (the first to claim the request, on any replica);
   * an answer after expiry is a denial. `actor` is who answered (`user:<id>` or an admin principal).
   */
  async decide(id: string, decision: ApprovalDecision, actor: string): Promise<DecisionOutcome> {
    const approval = await this.deps.sessions.get<PendingApproval>(keys.record(id));
    if (!approval) return { kind: 'unknown' };
    const expired = this.now() > approval.expiresAt;
    const kind = expired ? 'expired' : decision === 'approve' ? 'approved' : 'denied';
    if (!(await this.deps.sessions.setIfAbsent(keys.decided(id), kind, GRANT_TTL_MS))) return { kind: 'unknown' };
    if ((await this.deps.sessions.get(keys.conversation(approval.conversationId))) === id)
      await this.deps.sessions.delete(keys.conversation(approval.conversationId));
    const index = (await this.deps.sessions.get<string[]>(keys.index)) ?? [];
    await this.deps.sessions.set(
      keys.index,
      index.filter((x) => x !== id),
    );
    if (kind === 'approved')
      await this.deps.sessions.set(keys.grant(approval.conversationId, approval.tool), true, GRANT_TTL_MS);
    await this.deps.audit({
      actor,
      action: kind === 'approved' ? 'approval.approve' : kind === 'denied' ? 'approval.deny' : 'approval.expire',
      target: approval.tool,
      result: kind === 'approved' ? 'ok' : 'denied',
      detail: { id, conversationId: approval.conversationId, hash: approval.hash },
    });
    return { kind, approval };
  }

  /** Records a refused answer (someone other than the asked user pressed a button); the request stays open. */
  async refuse(a: PendingApproval, actor: string, reason: string): Promise<void> {
    await this.deps.audit({
      actor,
      action: 'approval.refuse',
      target: a.tool,
      result: 'denied',
      detail: { id: a.id, conversationId: a.conversationId, reason },
    });
  }

  /**
   * The approved request a resume message continues, once: a second resume of the same id (a
   * redelivery, a forged button value) gets nothing, and neither does one never approved or whose
   * call no longer matches its hash.
   */
  async claimResume(id: string): Promise<PendingApproval | undefined> {
    if ((await this.deps.sessions.get(keys.decided(id))) !== 'approved') return undefined;
    const approval = await this.deps.sessions.get<PendingApproval>(keys.record(id));
    const call = approval?.continuation.calls[0];
    if (!approval || !call || call.name !== approval.tool || callHash(call.name, call.arguments) !== approval.hash)
      return undefined;
    if (!(await this.deps.sessions.setIfAbsent(keys.resumed(id), true, GRANT_TTL_MS))) return undefined;
    return approval;
  }

  /** The question in words, with Approve/Deny buttons where the channel declares them. */
  question(a: PendingApproval): string {
    const minutes = Math.round((a.expiresAt - a.requestedAt) / 60_000);
    const text =
      `I would like to run **${a.tool}** (${describeArguments(a.arguments)}). ` +
      `Reply **yes** to allow it or **no** to refuse (or /approve, /deny). Without an answer within ${minutes} minutes it is not run.`;
    if (!this.deps.buttons(a.target.channel)) return text;
    return `${text}\n[[button:Approve|approval:${a.id}:approve]]\n[[button:Deny|approval:${a.id}:deny]]`;
  }
}

/** The inbound message id that continues an approved turn (one per approval). */
export function resumeMessageId(a: Pick<PendingApproval, 'id' | 'target'>): string {
  return `${a.target.channel}:approval:${a.id}`;
}
