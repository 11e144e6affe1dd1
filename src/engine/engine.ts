/**
 * The conversation loop. For each inbound message: store it, build the prompt from the history
 * window, stream the answer from the model chain (retries, fallback, circuit breaker, timeout), run
 * tool calls, publish reply events on the bus and record the answer and its usage.
 */
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Bus } from '../core/bus.js';
import type { AgentConfig, HearthConfig } from '../core/config.js';
import { ErrorCode, HearthError, errorSummary } from '../core/errors.js';
import {
  conversationKey,
  doneEvent,
  replyTargetOf,
  type Attachment,
  type Message,
  type ReplyEvent,
  type ReplyTarget,
  type Usage,
} from '../core/message.js';
import type { EngineMetrics } from '../core/metrics.js';
import {
  resolveGeneration,
  type ChatMessage,
  type ChatRequest,
  type FinishReason,
  type StreamPart,
  type ToolCall,
} from '../core/model-provider.js';
import type { BlobStore, ConversationSummary, HistoryStore, StoredMessage } from '../core/stores.js';
import type { ToolHost } from '../core/tools.js';
import { RESUME_ACTION, type Approvals, type PendingApproval } from '../approvals/approvals.js';
import { Budgets, callMaximum, refusalMessage, warningMessage, type BudgetState } from './budgets.js';
import { costUsd, priceOf } from './pricing.js';
import {
  DEFAULT_SYSTEM_PROMPT,
  buildPrompt,
  estimateTokens,
  loadDocuments,
  loadImages,
  userText,
  type DocumentLimits,
} from './context.js';
import type { ModelLease, ModelRegistry } from './model-registry.js';
import { backoffMs, isRetryable, sleep } from './resilience.js';
import { clientCalls, firstCall, offeredTools } from './client-tools.js';
import {
  SUMMARY_LOOKBACK,
  SUMMARY_MAX_TOKENS,
  addConversationContext,
  boundedSummary,
  summaryRequest,
  turnsToSummarize,
} from './summaries.js';

/** Most model calls one turn may make while the model keeps calling tools. */
const MAX_TOOL_STEPS = 6;

export const NO_MODEL_MESSAGE =
  'No model is configured yet. Choose one: set MODEL_ENDPOINT to an OpenAI-compatible server (e.g. http://127.0.0.1:8000/v1), ' +
  'set OPENAI_API_KEY or ANTHROPIC_API_KEY, add a model under `models.catalog` in hearth.yml, ' +
  'or run `hearth models pull` to download a small local model.';

const EMPTY_ANSWER_MESSAGE = 'The model returned an empty answer. Please try again or rephrase.';

const ALL_FAILED_MESSAGE = 'Sorry, no model could answer right now. Please try again in a moment.';

/** Knowledge base retrieval for an agent's turn (implemented by `src/knowledge/`). */
export interface EngineKnowledge {
  /** Undefined when the agent has no collections. */
  prepare(
    agentId: string,
    agent: AgentConfig,
    userText: string,
  ): Promise<{ contextBlock?: string; sources: string; noAnswer?: string } | undefined>;
  /** Limits on reading documents attached in a chat. */
  attachmentLimits?(): DocumentLimits;
}

export interface EngineDeps {
  metrics?: EngineMetrics;
  knowledge?: EngineKnowledge;
  bus: Bus;
  history: HistoryStore;
  blobs: BlobStore;
  models: ModelRegistry;
  tools?: ToolHost;
  /** The skills an agent may use (the one rule: src/skills/agent-skills.ts); none when absent. */
  agentSkills?: (agent: string) => readonly string[];
  /** An agent's model as switched at runtime (`PUT /admin/agents/:id/model`); the config's when absent. */
  agentModel?: (agent: string) => string | undefined;
  /** Sensitive tool calls wait for a yes (src/approvals); without it they run unasked (tests of other features). */
  approvals?: Approvals;
  /** Token and cost budgets, reserved before every model call (src/engine/budgets.ts). */
  budgets?: Budgets;
  log: Logger;
  config: () => Pick<HearthConfig, 'agents' | 'models'>;
}

/** Everything one turn's tool loop needs; built by `answer` for a new message, by `resume` for an approved call. */
interface Turn {
  message: Message;
  agentId: string;
  agent: AgentConfig;
  conversationId: string;
  target: ReplyTarget;
  base: { replyId: string; inReplyTo: string; conversationId: string };
  log: Logger;
  started: number;
  chain: string[];
  prompt: ChatMessage[];
  tools: ReturnType<ToolHost['toolsFor']>;
  knowledge?: { sources: string };
  /** Calls approved before this turn resumed: they run before the model is asked again. */
  approvedCalls?: ToolCall[];
  /** The client's own tools (OpenAI-compatible API): offered in `tools`, their calls returned to the client. */
  clientTools?: Message['clientTools'];
}

/** Whom a model call's usage row is recorded for. */
interface CallOwner {
  conversationId: string;
  userId: string;
  agent: string;
}

/** One model call of a turn: the prompt so far, the tools offered, and where streamed text goes. */
interface StepCall {
  owner: CallOwner;
  messages: ChatMessage[];
  tools: ReturnType<ToolHost['toolsFor']>;
  toolChoice?: ChatRequest['toolChoice'];
  agent: AgentConfig;
  onStart: (model: string) => Promise<void>;
  onDelta: (text: string) => Promise<void>;
  /** Aborted when the user stops the turn (`turn.cancel`): the call ends, with no retry and no fallback. */
  signal: AbortSignal;
  /**
   * Where the call's usage rows go when the caller awaits them itself before the turn ends (so they
   * share the answer's commit); without it each call awaits its own row.
   */
  usageWrites?: Array<Promise<void>>;
}

interface StepResult {
  text: string;
  toolCalls: ToolCall[];
  usage: Usage;
  finishReason: FinishReason;
  lease: ModelLease;
}

export class Engine {
  /** Aborted on shutdown after the drain timeout: in-flight calls stop. */
  private readonly hardStop = new AbortController();
  /** Turns being answered here, by inbound `Message.id`: a `turn.cancel` aborts one. */
  private readonly turns = new Map<string, AbortController>();

  constructor(private readonly deps: EngineDeps) {
    // Every model call in flight listens for the hard stop: hundreds at once are expected.
    setMaxListeners(0, this.hardStop.signal);
  }

  /** Subscribes to inbound messages on the bus. */
  start(): void {
    this.deps.bus.consumeInbound((m) => this.handle(m));
    // Every replica hears a cancel; only the one answering that message has it in `turns`.
    this.deps.bus.subscribeControl((m) => {
      if (m.type === 'turn.cancel') this.turns.get(m.messageId)?.abort(new TurnCancelled());
    });
  }

  /** Aborts every in-flight model call (after the drain period has run out). */
  abortAll(): void {
    this.hardStop.abort(new HearthError(ErrorCode.shuttingDown, 'Hearth is shutting down', 503));
  }

  agentConfig(id: string | undefined): AgentConfig {
    const agents = this.deps.config().agents;
    const agent = agents[id ?? 'default'] ??
      agents.default ?? { historyTokens: 3000, historyMessages: 40, approval: 'always' };
    const model = this.deps.agentModel?.(id ?? 'default');
    return model ? { ...agent, model } : agent;
  }

  /** Answers one inbound message. Never throws: failures become an `error` reply event. */
  async handle(message: Message): Promise<void> {
    if (message.kind !== 'message' && message.kind !== 'action') return;
    const started = performance.now();
    try {
      if (message.kind === 'action' && message.value?.startsWith(RESUME_ACTION)) await this.resume(message, started);
      else await this.answer(message, started);
    } catch (err) {
      // A store failing outside the model call (history, blobs): the sender still gets an error
      // event, never silence (an API request or web chat would otherwise wait forever).
      const code = err instanceof HearthError ? err.code : ErrorCode.storage;
      const conversationId = conversationKey(message);
      this.deps.metrics?.turn(message.channel, 'error', elapsed(started) / 1000);
      this.deps.log.error(
        {
          requestId: message.id,
          channel: message.channel,
          conversationId,
          latencyMs: elapsed(started),
          errorCode: code,
          err: errorSummary(err),
        },
        'turn failed',
      );
      await this.publish(replyTargetOf(message), {
        type: 'error',
        replyId: `${message.id}#reply`,
        inReplyTo: message.id,
        conversationId,
        code,
        message: ALL_FAILED_MESSAGE,
      });
    }
  }

  private async answer(message: Message, started: number): Promise<void> {
    const { history, log } = this.deps;
    const conversationId = conversationKey(message);
    const agentId = message.agent ?? 'default';
    const agent = this.agentConfig(agentId);
    const target = replyTargetOf(message);
    const replyId = `${message.id}#reply`;
    const text = userText(message);
    const base = { replyId, inReplyTo: message.id, conversationId };
    const turnLog = log.child({ requestId: message.id, channel: message.channel, conversationId });

    // The history window is read before this turn is stored, so the prompt holds it exactly once. A
    // client that sends its own history (the OpenAI-compatible API) needs none of ours: no read.
    const window = message.history
      ? []
      : await history.recent(conversationId, agent.historyTokens, agent.historyMessages);
    const isNew = await history.appendTurn(
      {
        id: conversationId,
        channel: message.channel,
        chatId: message.chatId,
        userId: message.sender.id,
        agent: agentId,
        createdAt: message.timestamp,
        updatedAt: Date.now(),
      },
      {
        id: message.id,
        conversationId,
        role: 'user',
        content: text,
        attachments: message.attachments,
        author: message.sender.id,
        createdAt: message.timestamp,
        tokens: estimateTokens(text),
      },
    );
    if (!isNew) {
      // At-least-once delivery: a redelivered message whose reply is stored was answered already;
      // one whose reply is missing was interrupted (its engine died mid-turn) and is answered now.
      if (await history.hasMessage(replyId)) {
        turnLog.info({ latencyMs: 0 }, 'duplicate message ignored');
        return;
      }
      turnLog.info('redelivered message without a stored reply: answering it');
    }

    // Retrieval runs before any model is called, whatever the model (no tool call needed).
    const knowledge = await this.deps.knowledge?.prepare(agentId, agent, text);
    if (knowledge?.noAnswer) return this.answerWithoutModel(message, base, knowledge.noAnswer, started, turnLog);

    const requested = message.model && this.deps.models.has(message.model) ? message.model : agent.model;
    const chain = this.deps.models.chain(requested);
    if (chain.length === 0) {
      await this.publish(target, { type: 'error', ...base, code: ErrorCode.noModel, message: NO_MODEL_MESSAGE });
      turnLog.warn({ latencyMs: elapsed(started), errorCode: ErrorCode.noModel }, 'no model configured');
      return;
    }

    const owner: CallOwner = { conversationId, userId: message.sender.id, agent: agentId };
    // A client that sends its own history (the OpenAI-compatible API) gets no summary of ours.
    const summary = message.history ? undefined : await this.summaryOf(owner, agent, window, turnLog);
    const memories = await history.listMemories(conversationId);
    const images = await loadImages(message.attachments, this.deps.blobs);
    // On a redelivery the window already holds this user turn; the prompt must carry it once.
    const earlier = window.filter((w) => w.id !== message.id);
    const documents = await loadDocuments(
      message.attachments,
      this.deps.blobs,
      this.deps.knowledge?.attachmentLimits?.(),
    );
    const prompt = buildPrompt(
      agent.systemPrompt ?? DEFAULT_SYSTEM_PROMPT,
      message.history ?? earlier,
      documents ? `${text}\n\n${documents}` : text,
      images,
    );
    addConversationContext(prompt, memories, summary);
    if (knowledge?.contextBlock)
      prompt.splice(prompt.length - 1, 0, { role: 'system', content: knowledge.contextBlock });
    // The client's tool round after its user message (the follow-up that carries tool results).
    if (message.continuation) prompt.push(...message.continuation);
    const skills = this.deps.agentSkills?.(agentId) ?? [];
    const tools = offeredTools(this.deps.tools?.toolsFor(skills, text) ?? [], message.clientTools);
    await this.converse({
      message,
      agentId,
      agent,
      conversationId,
      target,
      base,
      log: turnLog,
      started,
      chain,
      prompt,
      tools,
      knowledge,
      clientTools: message.clientTools,
    });
  }

  /**
   * Continues a turn whose sensitive call was approved: the approved call (exactly the one asked
   * about) runs, then the model goes on from there. A resume that was not approved, or was
   * resumed already, does nothing.
   */
  private async resume(message: Message, started: number): Promise<void> {
    const id = message.value!.slice(RESUME_ACTION.length);
    const approval = await this.deps.approvals?.claimResume(id);
    const log = this.deps.log.child({
      requestId: message.id,
      channel: message.channel,
      conversationId: approval?.conversationId,
    });
    if (!approval) {
      log.warn(
        { approvalId: id, errorCode: ErrorCode.forbidden },
        'resume of an approval that is not approved (or ran already) ignored',
      );
      return;
    }
    const agent = this.agentConfig(approval.agent);
    const replyId = `${message.id}#reply`;
    const c = approval.continuation;
    const chain = [c.model, ...this.deps.models.chain(agent.model).filter((m) => m !== c.model)];
    await this.converse({
      message: { ...message, sender: { id: approval.userId } },
      agentId: approval.agent,
      agent,
      conversationId: approval.conversationId,
      target: approval.target,
      base: { replyId, inReplyTo: message.id, conversationId: approval.conversationId },
      log,
      started,
      chain,
      prompt: c.messages,
      tools: c.tools,
      approvedCalls: c.calls,
    });
  }

  /** The model calls and tool calls of one turn, up to its answer (or a question asking for approval). */
  private async converse(turn: Turn): Promise<void> {
    const { history } = this.deps;
    const { message, agentId, agent, conversationId, target, base, started, chain, prompt, tools, knowledge } = turn;
    const turnLog = turn.log;
    const leases = new Map<string, ModelLease>();
    let started_ = false;
    const onStart = async (model: string) => {
      if (started_) return;
      started_ = true;
      await this.publish(target, { type: 'start', ...base, model });
    };
    // What the user has seen so far: kept as the answer when they stop the turn.
    let shown = '';
    let answeredBy: string | undefined;
    const onDelta = (delta: string) => {
      shown += delta;
      return this.publish(target, { type: 'delta', ...base, text: delta });
    };
    const cancel = new AbortController();
    this.turns.set(message.id, cancel);
    // The usage rows of this turn's model calls, awaited before the turn ends (queued with the answer).
    const usageWrites: Array<Promise<void>> = [];
    const usageRecorded = () => Promise.all(usageWrites);

    try {
      let answer = '';
      const attachments: Attachment[] = [];
      const usage: Usage = { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 };
      let step: StepResult | undefined;
      let preferred: string[] = chain;
      let parked: { question: string; approval: PendingApproval } | undefined;
      let forClient: ToolCall[] = [];
      const first = firstCall(tools, turn.clientTools);
      const warnings: BudgetState[] = [];
      const owner: CallOwner = { conversationId, userId: message.sender.id, agent: agentId };
      const runCalls = async (calls: ToolCall[], model: string, approved: number): Promise<void> => {
        for (const [i, call] of calls.entries()) {
          // A sensitive call runs only when approved (the first of a resumed turn) or its policy allows it.
          if (i >= approved && (await this.needsApproval(call, agent, conversationId))) {
            parked = await this.deps.approvals!.request({
              conversationId,
              userId: message.sender.id,
              agent: agentId,
              target,
              tool: call.name,
              arguments: call.arguments,
              continuation: { messages: prompt, tools, model, calls: calls.slice(i) },
            });
            turnLog.info({ tool: call.name, approvalId: parked.approval.id }, 'sensitive tool call waits for approval');
            return;
          }
          const result = await this.deps.tools!.execute(call, {
            conversationId,
            userId: message.sender.id,
            agent: agentId,
            target,
            signal: this.hardStop.signal,
          });
          // Pictures the tool made (the canvas skill's rendering) go to the model too, so a vision model sees them.
          const images = result.attachments?.length ? await loadImages(result.attachments, this.deps.blobs) : [];
          prompt.push({
            role: 'tool',
            toolCallId: call.id,
            name: call.name,
            content: result.content,
            ...(images.length ? { images } : {}),
          });
          if (result.attachments) attachments.push(...result.attachments);
        }
      };
      if (turn.approvedCalls?.length && this.deps.tools) await runCalls(turn.approvedCalls, chain[0]!, 1);
      for (let i = 0; i < MAX_TOOL_STEPS && !parked; i++) {
        step = await this.budgetedCall(
          turn.log,
          preferred,
          leases,
          i === 0
            ? { owner, messages: prompt, ...first, agent, onStart, onDelta, signal: cancel.signal, usageWrites }
            : { owner, messages: prompt, tools, agent, onStart, onDelta, signal: cancel.signal, usageWrites },
          warnings,
        );
        // Once a model answered, the rest of the tool loop stays on it.
        preferred = [step.lease.id];
        answeredBy = step.lease.id;
        answer += step.text;
        addUsage(usage, step.usage);
        // Calls of the client's own tools end the turn: the client runs them and sends the results.
        forClient = clientCalls(step.toolCalls, turn.clientTools);
        if (forClient.length) break;
        if (step.toolCalls.length === 0 || !this.deps.tools) break;
        prompt.push({ role: 'assistant', content: step.text, toolCalls: step.toolCalls });
        await runCalls(step.toolCalls, step.lease.id, 0);
      }
      if (parked) {
        // The turn ends with the question; the approved call continues it later (resume).
        const question = (answer.trim() ? '\n\n' : '') + parked.question;
        await onStart(preferred[0] ?? 'hearth');
        await onDelta(question);
        answer += question;
      }
      const model = step?.lease.id ?? chain[0]!;
      if (knowledge?.sources && answer.trim()) {
        // Hearth appends the sources itself, so the citation never depends on the model obeying.
        await onDelta(knowledge.sources);
        answer += knowledge.sources;
      }
      if (!answer.trim() && attachments.length === 0 && forClient.length === 0) {
        // Chat apps would show "typing…" and then nothing: say so instead (a token limit hit
        // before any text, or a model that only "thought").
        this.deps.metrics?.turn(message.channel, 'error', elapsed(started) / 1000);
        turnLog.warn(
          { latencyMs: elapsed(started), model, errorCode: ErrorCode.modelFailed },
          'model returned an empty answer',
        );
        await usageRecorded();
        await this.publish(target, {
          type: 'error',
          ...base,
          code: ErrorCode.modelFailed,
          message: EMPTY_ANSWER_MESSAGE,
        });
        return;
      }
      await history.append({
        id: base.replyId,
        conversationId,
        role: 'assistant',
        content: answer,
        attachments,
        author: model,
        createdAt: Date.now(),
        tokens: usage.completionTokens || estimateTokens(answer),
      });
      await usageRecorded();
      await this.publish(
        target,
        doneEvent({
          ...base,
          text: answer,
          attachments,
          model,
          usage,
          finishReason: parked ? 'approval' : forClient.length ? 'tool-calls' : (step?.finishReason ?? 'stop'),
          toolCalls: forClient,
        }),
      );
      for (const w of warnings) {
        const id = `${base.replyId}#budget:${w.budget}`;
        await this.publish(
          target,
          doneEvent({ replyId: id, inReplyTo: message.id, conversationId, text: warningMessage(w) }),
        );
        turnLog.info({ budget: w.budget, used: w.used, limit: w.limit }, 'budget 80 % used');
        this.deps.metrics?.budgetWarned?.(w.budget);
      }
      this.deps.metrics?.turn(message.channel, 'ok', elapsed(started) / 1000);
      turnLog.info(
        {
          latencyMs: elapsed(started),
          model,
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
        },
        'turn answered',
      );
    } catch (err) {
      await usageRecorded();
      if (cancel.signal.aborted) {
        const model = answeredBy ?? leases.keys().next().value ?? chain[0] ?? 'hearth';
        await this.endCancelled(turn, shown, model, leases.get(model));
        return;
      }
      const code = err instanceof HearthError ? err.code : ErrorCode.modelFailed;
      const userMessage =
        err instanceof HearthError && (err.code === ErrorCode.shuttingDown || err.code === ErrorCode.budget)
          ? err.message
          : ALL_FAILED_MESSAGE;
      this.deps.metrics?.turn(message.channel, 'error', elapsed(started) / 1000);
      turnLog.error({ latencyMs: elapsed(started), errorCode: code, err: errorSummary(err) }, 'turn failed');
      await this.publish(target, { type: 'error', ...base, code, message: userMessage });
    } finally {
      this.turns.delete(message.id);
      for (const l of leases.values()) l.release();
    }
  }

  /**
   * A turn the user stopped: what was streamed stays, stored and sent as the answer, with
   * finishReason `cancelled` so the page marks it as cut.
   */
  private async endCancelled(turn: Turn, shown: string, model: string, lease?: ModelLease): Promise<void> {
    const { message, conversationId, target, base, started } = turn;
    // The provider's own count never arrived: estimated, so usage and cost figures include stopped turns.
    const usage: Usage = {
      promptTokens: estimateTokens(turn.prompt.map((m) => m.content).join('\n')),
      completionTokens: estimateTokens(shown),
    };
    const price = priceOf(lease?.spec);
    const cost = price ? costUsd(price, usage) : undefined;
    await this.deps.history.recordUsage({
      conversationId,
      userId: message.sender.id,
      agent: turn.agentId,
      model,
      provider: lease?.spec.provider ?? 'none',
      usage,
      latencyMs: elapsed(started),
      ok: true,
      createdAt: Date.now(),
      ...(cost !== undefined ? { costUsd: cost } : {}),
    });
    if (shown) {
      await this.deps.history.append({
        id: base.replyId,
        conversationId,
        role: 'assistant',
        content: shown,
        attachments: [],
        author: model,
        createdAt: Date.now(),
        tokens: estimateTokens(shown),
      });
    }
    await this.publish(target, doneEvent({ ...base, text: shown, model, usage, finishReason: 'cancelled' }));
    this.deps.metrics?.turn(message.channel, 'ok', elapsed(started) / 1000);
    turn.log.info({ latencyMs: elapsed(started), model, chars: shown.length }, 'turn cancelled by the user');
  }

  /**
   * One model call inside the budgets: its maximum is reserved first (a refusal throws
   * `HEARTH_E_BUDGET` and the model is never called), then settled with the reported usage.
   */
  private async budgetedCall(
    log: Logger,
    chain: string[],
    leases: Map<string, ModelLease>,
    call: StepCall,
    warnings: BudgetState[],
  ): Promise<StepResult> {
    const budgets = this.deps.budgets;
    if (!budgets?.active()) return this.callChain(chain, leases, call, log);
    const model = chain[0]!;
    const spec = this.deps.config().models.catalog[model] ?? this.deps.models.list().find((m) => m.id === model);
    const price = priceOf(spec);
    const promptChars = promptCharsOf(call.messages) + (call.tools.length ? JSON.stringify(call.tools).length : 0);
    const maximum = callMaximum(promptChars, resolveGeneration(call.agent, spec).maxTokens);
    const tokens = maximum.promptTokens + maximum.completionTokens;
    const usdOf = (u: Usage) => (price ? costUsd(price, u) : undefined);
    const subject = { userId: call.owner.userId, agent: call.owner.agent };
    const reserved = await budgets.reserve(subject, { tokens, usd: usdOf(maximum) });
    if ('refused' in reserved) {
      this.deps.metrics?.budgetRefused?.(reserved.refused.budget);
      log.warn(
        { budget: reserved.refused.budget, errorCode: ErrorCode.budget, reserve: tokens },
        'turn refused: budget reached',
      );
      throw new HearthError(ErrorCode.budget, refusalMessage(reserved.refused), 429);
    }
    // What a stopped call streamed: it is charged (prompt + that much), not released like a failed one.
    let streamedChars = 0;
    const counted: StepCall = {
      ...call,
      onDelta: (text) => {
        streamedChars += text.length;
        return call.onDelta(text);
      },
    };
    try {
      const step = await this.callChain(chain, leases, counted, log);
      warnings.push(
        ...(await budgets.settle(reserved.reservation, {
          tokens: step.usage.promptTokens + step.usage.completionTokens,
          usd: usdOf(step.usage),
        })),
      );
      return step;
    } catch (err) {
      if (call.signal.aborted) {
        // Stopping must not be a way around the budget: the prompt was read and part of the answer written.
        const used = { promptTokens: maximum.promptTokens, completionTokens: Math.ceil(streamedChars / 4) };
        await budgets.settle(reserved.reservation, {
          tokens: used.promptTokens + used.completionTokens,
          usd: usdOf(used),
        });
        throw err;
      }
      // A failed call used what the provider counted, which we do not learn: release the reservation.
      await budgets.release(reserved.reservation);
      throw err;
    }
  }

  /**
   * The summary of the turns older than the window, refreshed first when more of them left it
   * since it was written (only those are summarized, by `agents.<id>.summaryModel` or the agent's
   * model, inside the budgets). Never fails the turn: when summarizing fails the turns it would have
   * covered are left out (as without summaries) and the previous summary, if any, is used.
   */
  private async summaryOf(
    owner: CallOwner,
    agent: AgentConfig,
    window: StoredMessage[],
    log: Logger,
  ): Promise<string | undefined> {
    const { history, models } = this.deps;
    let summary: ConversationSummary | undefined;
    const leases = new Map<string, ModelLease>();
    try {
      summary = await history.getSummary(owner.conversationId);
      if (window.length === 0) return summary?.content;
      const all = await history.recent(owner.conversationId, Number.MAX_SAFE_INTEGER, SUMMARY_LOOKBACK);
      const turns = turnsToSummarize(all, window, summary);
      if (turns.length === 0) return summary?.content;
      const model = agent.summaryModel && models.has(agent.summaryModel) ? agent.summaryModel : agent.model;
      const quiet = async () => {};
      const step = await this.budgetedCall(
        log,
        models.chain(model),
        leases,
        {
          owner,
          messages: summaryRequest(summary?.content, turns),
          tools: [],
          agent: { ...agent, maxTokens: SUMMARY_MAX_TOKENS },
          onStart: quiet,
          onDelta: quiet,
          // Not the turn's own stop: a summary is shared by every later turn, so only shutdown ends it.
          signal: this.hardStop.signal,
        },
        [],
      );
      const { content, cut } = boundedSummary(step.text);
      if (!content) throw new HearthError(ErrorCode.modelFailed, 'the model returned an empty summary');
      await history.saveSummary({
        conversationId: owner.conversationId,
        content,
        throughMessageId: turns.at(-1)!.id,
        updatedAt: Date.now(),
      });
      log.info({ model: step.lease.id, turns: turns.length, ...(cut ? { cut } : {}) }, 'older turns summarized');
      return content;
    } catch (err) {
      const errorCode = err instanceof HearthError ? err.code : ErrorCode.modelFailed;
      log.warn(
        { errorCode, err: errorSummary(err) },
        'summarizing older turns failed: they are left out of the prompt',
      );
      return summary?.content;
    } finally {
      for (const l of leases.values()) l.release();
    }
  }

  /** Whether a call must wait for a yes: a sensitive tool under a policy without a standing grant. */
  private async needsApproval(call: ToolCall, agent: AgentConfig, conversationId: string): Promise<boolean> {
    if (!this.deps.approvals || !this.deps.tools?.isSensitive(call.name)) return false;
    return !(await this.deps.approvals.mayRun(agent.approval ?? 'always', conversationId, call.name));
  }

  /** A reply Hearth gives itself (the knowledge base has no answer): stored and sent like a model's. */
  private async answerWithoutModel(
    message: Message,
    base: { replyId: string; inReplyTo: string; conversationId: string },
    text: string,
    started: number,
    turnLog: Logger,
  ): Promise<void> {
    const target = replyTargetOf(message);
    const usage: Usage = { promptTokens: 0, completionTokens: 0 };
    await this.deps.history.append({
      id: base.replyId,
      conversationId: base.conversationId,
      role: 'assistant',
      content: text,
      attachments: [],
      author: 'hearth',
      createdAt: Date.now(),
      tokens: estimateTokens(text),
    });
    await this.publish(target, { type: 'start', ...base, model: 'hearth' });
    await this.publish(target, { type: 'delta', ...base, text });
    await this.publish(target, {
      type: 'done',
      ...base,
      text,
      attachments: [],
      model: 'hearth',
      usage,
      finishReason: 'stop',
    });
    this.deps.metrics?.turn(message.channel, 'ok', elapsed(started) / 1000);
    turnLog.info({ latencyMs: elapsed(started), model: 'hearth', knowledge: 'no-answer' }, 'turn answered');
  }

  /**
   * One model call with the chain's resilience: per model, retries with backoff on retryable errors
   * while nothing has been streamed yet; then the next model. An open circuit skips a model.
   */
  private async callChain(
    chain: string[],
    leases: Map<string, ModelLease>,
    call: StepCall,
    log: Logger,
  ): Promise<StepResult> {
    const cfg = this.deps.config().models;
    let lastError: unknown;
    for (const id of chain) {
      let lease = leases.get(id);
      if (!lease) {
        try {
          lease = await this.deps.models.lease(id);
        } catch (err) {
          lastError = err;
          log.error(
            { model: id, errorCode: ErrorCode.modelFailed, err: errorSummary(err) },
            'model could not be loaded',
          );
          continue;
        }
        leases.set(id, lease);
      }
      for (let attempt = 0; attempt <= cfg.retries; attempt++) {
        if (!lease.breaker.tryAcquire()) {
          lastError = new HearthError(ErrorCode.circuitOpen, `circuit open for model ${id}`);
          this.deps.metrics?.modelCall(id, 'circuit-open', 0);
          log.warn({ model: id, errorCode: ErrorCode.circuitOpen }, 'model skipped: circuit open');
          break;
        }
        let streamed = false;
        const t0 = performance.now();
        try {
          const result = await this.streamOnce(lease, call, cfg.timeoutMs, () => (streamed = true));
          lease.breaker.success();
          this.deps.metrics?.modelCall(id, 'ok', elapsed(t0) / 1000);
          log.debug({ model: id, latencyMs: elapsed(t0) }, 'model call ok');
          const recorded = this.recordCall(call.owner, lease, result.usage, true, elapsed(t0));
          if (call.usageWrites) call.usageWrites.push(recorded);
          else await recorded;
          return result;
        } catch (err) {
          // The user stopped it: the model did nothing wrong (its breaker counts a success, freeing a half-open probe).
          if (call.signal.aborted) {
            lease.breaker.success();
            throw call.signal.reason;
          }
          lease.breaker.failure();
          lastError = err;
          // The provider reports no usage for a failed call: its row counts it, with no tokens.
          await this.recordCall(call.owner, lease, { promptTokens: 0, completionTokens: 0 }, false, elapsed(t0));
          const code = isTimeout(err) ? ErrorCode.modelTimeout : ErrorCode.modelFailed;
          this.deps.metrics?.modelCall(id, code === ErrorCode.modelTimeout ? 'timeout' : 'error', elapsed(t0) / 1000);
          log.warn(
            { model: id, attempt, latencyMs: elapsed(t0), errorCode: code, err: errorSummary(err) },
            'model call failed',
          );
          if (this.hardStop.signal.aborted) throw this.hardStop.signal.reason;
          // Text already reached the user: retrying or falling back would repeat or contradict it.
          if (streamed) throw err;
          if (!isRetryable(err) || attempt === cfg.retries) break;
          await sleep(backoffMs(attempt + 1, err), this.hardStop.signal);
        }
      }
    }
    throw lastError instanceof HearthError && lastError.code !== ErrorCode.circuitOpen
      ? lastError
      : new HearthError(ErrorCode.modelFailed, 'every model in the chain failed', 502, { cause: lastError });
  }

  /**
   * One usage row per model call — each tool step, each retry and fallback attempt, each failure —
   * with its cost where the model's price is known. A store failure here never fails the turn.
   */
  private async recordCall(
    owner: CallOwner,
    lease: ModelLease,
    usage: Usage,
    ok: boolean,
    latencyMs: number,
  ): Promise<void> {
    const price = priceOf(lease.spec);
    const cost = price ? costUsd(price, usage) : undefined;
    try {
      await this.deps.history.recordUsage({
        ...owner,
        model: lease.id,
        provider: lease.spec.provider,
        usage,
        latencyMs,
        ok,
        createdAt: Date.now(),
        ...(cost !== undefined ? { costUsd: cost } : {}),
      });
    } catch (err) {
      this.deps.log.warn({ model: lease.id, err: errorSummary(err) }, 'usage of a model call not recorded');
    }
    if (cost) this.deps.metrics?.cost?.(lease.id, cost);
    if (ok) this.deps.metrics?.tokens(lease.id, usage.promptTokens, usage.completionTokens);
  }

  private async streamOnce(
    lease: ModelLease,
    call: StepCall,
    defaultTimeoutMs: number,
    markStreamed: () => void,
  ): Promise<StepResult> {
    const timeoutMs = lease.spec.timeoutMs ?? defaultTimeoutMs;
    // One controller with a timer cleared when the call ends: AbortSignal.timeout() would leave a
    // timer per call pending for the whole timeout, tens of thousands of them under load.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException(`model call timed out after ${timeoutMs} ms`, 'TimeoutError')),
      timeoutMs,
    );
    const stop = () => controller.abort(this.hardStop.signal.reason);
    const cancelled = () => controller.abort(call.signal.reason);
    if (this.hardStop.signal.aborted) stop();
    else this.hardStop.signal.addEventListener('abort', stop, { once: true });
    if (call.signal.aborted) cancelled();
    else call.signal.addEventListener('abort', cancelled, { once: true });
    try {
      return await this.consume(lease, call, controller.signal, markStreamed);
    } finally {
      clearTimeout(timer);
      this.hardStop.signal.removeEventListener('abort', stop);
      call.signal.removeEventListener('abort', cancelled);
    }
  }

  /** Streams one call, forwarding text as it arrives and collecting tool calls and usage. */
  private async consume(
    lease: ModelLease,
    call: StepCall,
    signal: AbortSignal,
    markStreamed: () => void,
  ): Promise<StepResult> {
    const { agent, messages, tools } = call;
    const stream = lease.provider.stream({
      model: lease.spec.model,
      messages,
      tools: tools.length ? tools : undefined,
      ...(call.toolChoice && tools.length ? { toolChoice: call.toolChoice } : {}),
      ...resolveGeneration(agent, lease.spec),
      cacheKey: promptCacheKey(call.owner.conversationId),
      signal,
    });
    let text = '';
    const toolCalls: ToolCall[] = [];
    let finish: Extract<StreamPart, { type: 'finish' }> | undefined;
    for await (const part of stream) {
      if (part.type === 'text-delta') {
        if (!part.text) continue;
        if (!text) {
          await call.onStart(lease.id);
          markStreamed();
        }
        text += part.text;
        await call.onDelta(part.text);
      } else if (part.type === 'tool-call') {
        toolCalls.push(part.call);
      } else {
        finish = part;
      }
    }
    if (!text) await call.onStart(lease.id);
    return {
      text,
      toolCalls,
      usage: finish?.usage ?? { promptTokens: 0, completionTokens: 0 },
      finishReason: finish?.reason ?? (toolCalls.length ? 'tool-calls' : 'stop'),
      lease,
    };
  }

  private async publish(target: ReplyTarget, event: ReplyEvent): Promise<void> {
    try {
      await this.deps.bus.publishOutbound({ target, event });
    } catch (err) {
      this.deps.log.warn({ channel: target.channel, err: errorSummary(err) }, 'reply delivery failed');
    }
  }
}

/**
 * The prompt cache key of a conversation: stable across its turns, different between
 * conversations, and a hash so no conversation id (which may hold a phone number) leaves Hearth.
 */
export function promptCacheKey(conversationId: string): string {
  return createHash('sha256').update(`hearth-prompt-cache:${conversationId}`).digest('hex').slice(0, 32);
}

function addUsage(total: Usage, u: Usage): void {
  total.promptTokens += u.promptTokens;
  total.completionTokens += u.completionTokens;
  total.cachedPromptTokens = (total.cachedPromptTokens ?? 0) + (u.cachedPromptTokens ?? 0);
}

function elapsed(t0: number): number {
  return Math.round(performance.now() - t0);
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || /timed? ?out/i.test(err.message));
}

/** Why a stopped turn's model call was aborted. */
class TurnCancelled extends Error {
  override name = 'TurnCancelled';
  constructor() {
    super('stopped by the user');
  }
}

/**
 * An image costs a model about 1,600 prompt tokens (Anthropic's (width × height) / 750 at its 1.15
 * megapixel cap; OpenAI's high detail is less), not the length of its base64 text.
 */
const IMAGE_PROMPT_CHARS = 1_600 * 4;

/** The prompt's size in characters as the budgets estimate tokens: the text, plus a fixed share per image. */
function promptCharsOf(messages: ChatMessage[]): number {
  let images = 0;
  const text = JSON.stringify(messages, (key, value: unknown) => {
    if (key === 'images' && Array.isArray(value)) {
      images += value.length;
      return undefined;
    }
    return value;
  });
  return text.length + images * IMAGE_PROMPT_CHARS;
}
