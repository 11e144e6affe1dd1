/**
 * The embedded provider: a GGUF model run in process by node-llama-cpp (llama.cpp bindings), so a
 * machine without any API gets a fully local assistant. Chosen over spawning `llama-server` because
 * it ships prebuilt CPU binaries, renders each model's own chat template (tool calls included) and
 * constrains tool arguments with a JSON-schema grammar, with no second process to supervise.
 *
 * One model load is shared by all calls (lazy, cached); each call borrows a context (its own KV
 * cache) from a small pool, so concurrent turns never share state. node-llama-cpp is optional and
 * imported on first use: see `llama-runtime.ts`.
 */
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import type { ModelSpec } from '../../../core/config.js';
import type { ChatRequest, FinishReason, ModelProvider, StreamPart } from '../../../core/model-provider.js';
import { ProviderError, resolveGeneration } from '../../../core/model-provider.js';
import { toLlamaFunctions, toLlamaHistory } from './chat-history.js';
import type {
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaGenerateResult,
  LlamaModel,
  NodeLlamaCpp,
} from './llama-runtime.js';
import { loadLlama } from './llama-runtime.js';
import { PartQueue } from './part-queue.js';

export interface EmbeddedProviderOptions {
  /** Data folder; relative model paths are read from `<dataDir>/models/`. */
  dataDir: string;
  /** CPU threads per context. Default 1: on small shared machines more threads are far slower. */
  threads?: number;
  /** Sampling seed; a fixed seed makes output reproducible. Random when absent. */
  seed?: number;
  /** Module to import; tests point it at a missing module. Default `node-llama-cpp`. */
  runtimeModule?: string;
  /** Contexts kept warm between calls. Default 1. */
  maxIdleContexts?: number;
  /** Receives llama.cpp's warnings and errors. */
  log?: Logger;
}

export const defaultContextSize = 4096;
const defaultTemperature = 0.7;

/** Where the GGUF file of `model` lives: absolute as given, else under `<dataDir>/models/`. */
export function resolveModelPath(model: string, dataDir: string): string {
  return isAbsolute(model) ? model : join(dataDir, 'models', model);
}

/** Creates the embedded provider for one GGUF model (nothing is loaded until the first call). */
export function createProvider(spec: ModelSpec, options: EmbeddedProviderOptions): ModelProvider {
  return new EmbeddedProvider(spec, options);
}

interface Loaded {
  runtime: NodeLlamaCpp;
  llama: Llama;
  model: LlamaModel;
}

/** A context with its one sequence; `getSequence()` may only be called once per sequence. */
interface Slot {
  context: LlamaContext;
  sequence: LlamaContextSequence;
}

class EmbeddedProvider implements ModelProvider {
  readonly kind = 'embedded';
  private loading?: Promise<Loaded>;
  private idle: Slot[] = [];
  private busy = new Set<Slot>();
  private closed = false;

  constructor(
    private readonly spec: ModelSpec,
    private readonly options: EmbeddedProviderOptions,
  ) {}

  async *stream(request: ChatRequest): AsyncIterable<StreamPart> {
    if (this.closed) throw new ProviderError('The embedded model was closed', true);
    request.signal?.throwIfAborted();
    const { runtime, model } = await this.load();
    const params = resolveGeneration(request, this.spec);
    const contextSize = params.contextSize ?? defaultContextSize;
    const slot = await this.acquire(model, contextSize);

    const chat = new runtime.LlamaChat({ contextSequence: slot.sequence });
    const controller = new AbortController();
    const onAbort = () => controller.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    // Aborted while the model or context was loading: generation then fails at once and the
    // context still goes back through the `finally` below.
    if (request.signal?.aborted) onAbort();
    const queue = new PartQueue<StreamPart>();
    const meterBefore = readMeter(slot.sequence);
    let completionTokens = 0;
    let healthy = true;

    const generation = chat
      .generateResponse(toLlamaHistory(request.messages), {
        signal: controller.signal,
        maxTokens: params.maxTokens,
        temperature: params.temperature ?? defaultTemperature,
        topP: params.topP,
        // node-llama-cpp's own default seed is fixed; a fresh one per call lets answers vary like an API's.
        seed: this.options.seed ?? randomInt(2 ** 31),
        functions: toLlamaFunctions(request.tools),
        onTextChunk: (text) => {
          if (text) queue.push({ type: 'text-delta', text });
        },
        onToken: (tokens) => {
          completionTokens += tokens.length;
        },
      })
      .then(
        (result) => {
          for (const part of toolCallParts(result)) queue.push(part);
          // The sequence ends up holding prompt + generated tokens; input tokens the meter did not
          // count this call were served from the KV cache kept from the previous turn.
          const promptTokens = Math.max(0, slot.sequence.contextTokens.length - completionTokens);
          const evaluated = readMeter(slot.sequence).usedInputTokens - meterBefore.usedInputTokens;
          queue.push({
            type: 'finish',
            reason: finishReason(result),
            usage: { promptTokens, completionTokens, cachedPromptTokens: Math.max(0, promptTokens - evaluated) },
          });
          queue.end();
        },
        (err: unknown) => {
          healthy = false;
          if (controller.signal.aborted) queue.fail(controller.signal.reason);
          else
            queue.fail(
              new ProviderError(`The embedded model failed: ${(err as Error)?.message ?? String(err)}`, false),
            );
        },
      );

    try {
      yield* queue;
    } finally {
      // The consumer may stop early (break, timeout): stop generating before handing the context back.
      if (!controller.signal.aborted) controller.abort(new DOMException('The stream was closed', 'AbortError'));
      await generation;
      request.signal?.removeEventListener('abort', onAbort);
      chat.dispose({ disposeSequence: false });
      await this.release(slot, healthy);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = [...this.idle, ...this.busy];
    this.idle = [];
    this.busy.clear();
    await Promise.allSettled(slots.map((s) => s.context.dispose()));
    const loaded = await this.loading?.catch(() => undefined);
    this.loading = undefined;
    if (loaded) {
      await loaded.model.dispose();
      await loaded.llama.dispose();
    }
  }

  /** Loads the runtime and the model once; a failed load is retried on the next call. */
  private load(): Promise<Loaded> {
    if (!this.loading) {
      const loading = this.loadOnce();
      this.loading = loading;
      loading.catch(() => {
        if (this.loading === loading) this.loading = undefined;
      });
    }
    return this.loading;
  }

  private async loadOnce(): Promise<Loaded> {
    const modelPath = resolveModelPath(this.spec.model, this.options.dataDir);
    if (!existsSync(modelPath)) {
      throw new ProviderError(
        `The model file ${modelPath} does not exist. Download a model with \`hearth models pull\`, or set the model to a GGUF file path.`,
        false,
      );
    }
    const { runtime, llama } = await loadLlama(this.options.runtimeModule ?? 'node-llama-cpp', this.options.log);
    try {
      const model = await llama.loadModel({ modelPath });
      return { runtime, llama, model };
    } catch (err) {
      await llama.dispose().catch(() => undefined);
      throw new ProviderError(`Could not load the model ${modelPath}: ${(err as Error).message}`, false);
    }
  }

  private async acquire(model: LlamaModel, contextSize: number): Promise<Slot> {
    const index = this.idle.findIndex((s) => s.context.contextSize === contextSize);
    let slot = index >= 0 ? this.idle.splice(index, 1)[0] : undefined;
    if (!slot) {
      let context: LlamaContext;
      try {
        context = await model.createContext({ contextSize, threads: this.options.threads ?? 1, sequences: 1 });
      } catch (err) {
        throw new ProviderError(`Could not create a ${contextSize}-token context: ${(err as Error).message}`, false);
      }
      slot = { context, sequence: context.getSequence() };
    }
    this.busy.add(slot);
    return slot;
  }

  /** Keeps a healthy context warm (its KV cache lets the next turn reuse the shared prefix). */
  private async release(slot: Slot, healthy: boolean): Promise<void> {
    if (!this.busy.delete(slot)) return; // closed meanwhile
    if (healthy && !this.closed && this.idle.length < (this.options.maxIdleContexts ?? 1)) this.idle.push(slot);
    else await slot.context.dispose();
  }
}

function readMeter(sequence: LlamaContextSequence): { usedInputTokens: number; usedOutputTokens: number } {
  return {
    usedInputTokens: sequence.tokenMeter.usedInputTokens,
    usedOutputTokens: sequence.tokenMeter.usedOutputTokens,
  };
}

/** Tool calls come out whole once their arguments are generated; the engine runs them, not us. */
function toolCallParts(result: LlamaGenerateResult): StreamPart[] {
  return (result.functionCalls ?? []).map((call) => ({
    type: 'tool-call',
    call: {
      id: `call_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`,
      name: call.functionName,
      arguments: JSON.stringify(call.params ?? {}),
    },
  }));
}

function finishReason(result: LlamaGenerateResult): FinishReason {
  if (result.functionCalls?.length) return 'tool-calls';
  switch (result.metadata.stopReason) {
    case 'maxTokens':
      return 'length';
    case 'eogToken':
    case 'stopGenerationTrigger':
    case 'customStopTrigger':
      return 'stop';
    default:
      return 'other';
  }
}
